import {BLOCK, CHECKSUM, LINKNAME, MAGIC, MODE, NAME, PREFIX, SIZE, TYPEFLAG} from './tar-format.js'

/**
 * Decoding one 512-byte tar header block (ustar and GNU; pax and GNU long-name records are
 * applied by the reader). Field for field what tar-stream's `decode` returns for the fields niso
 * uses, without building a string for every field of every header (uname, gname, devices…).
 */
export type TarEntryType =
  | 'file'
  | 'link'
  | 'symlink'
  | 'character-device'
  | 'block-device'
  | 'directory'
  | 'fifo'
  | 'contiguous-file'
  | 'pax-header'
  | 'pax-global-header'
  | 'gnu-long-link-path'
  | 'gnu-long-path'

export interface TarEntryHeader {
  name: string
  /** null: a type niso does not know. */
  type: TarEntryType | null
  mode: number
  size: number
  linkname: string | null
}

const TYPES: Readonly<Record<number, TarEntryType>> = {
  0: 'file',
  0x30: 'file',
  0x31: 'link',
  0x32: 'symlink',
  0x33: 'character-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x37: 'contiguous-file',
  0x78: 'pax-header',
  0x67: 'pax-global-header',
  0x4b: 'gnu-long-link-path',
  0x4c: 'gnu-long-path',
}

/**
 * The header at `at` (512 bytes must be there), or null for an all-zero block (the end of the
 * archive). Throws on a bad checksum or an unknown format.
 */
export function parseTarHeader(buf: Buffer, at: number): TarEntryHeader | null {
  let sum = 8 * 0x20
  let zero = true
  for (let i = at; i < at + BLOCK; i++) {
    const b = buf[i] as number
    if (b !== 0) zero = false
    if (i < at + CHECKSUM || i >= at + CHECKSUM + 8) sum += b
  }
  if (zero) return null
  if (sum !== octal(buf, at + CHECKSUM, 8)) throw new Error('invalid tar header (bad checksum)')
  const ustar = magicIs(buf, at, 'ustar\u000000')
  if (!ustar && !magicIs(buf, at, 'ustar  \u0000')) throw new Error('invalid tar header (unknown format)')
  let name = text(buf, at + NAME, 100)
  // The prefix field exists in POSIX ustar only (GNU keeps other data there).
  if (ustar && buf[at + PREFIX] !== 0) name = `${text(buf, at + PREFIX, 155)}/${name}`
  const flag = buf[at + TYPEFLAG] as number
  let type = TYPES[flag] ?? null
  // Old tars mark directories with a trailing slash on a regular-file entry.
  if (flag === 0 && name.endsWith('/')) type = 'directory'
  return {
    name,
    type,
    mode: octal(buf, at + MODE, 8),
    size: octal(buf, at + SIZE, 12),
    linkname: buf[at + LINKNAME] === 0 ? null : text(buf, at + LINKNAME, 100),
  }
}

function magicIs(buf: Buffer, at: number, magic: string): boolean {
  for (let i = 0; i < 8; i++) if (buf[at + MAGIC + i] !== magic.charCodeAt(i)) return false
  return true
}

/** A NUL-terminated UTF-8 field. */
function text(buf: Buffer, at: number, length: number): string {
  let end = at
  while (end < at + length && buf[end] !== 0) end++
  return buf.toString('utf8', at, end)
}

/** An octal number field (spaces and NULs around it), or GNU base-256 for large values. */
function octal(buf: Buffer, at: number, length: number): number {
  const first = buf[at] as number
  if (first & 0x80) {
    if (first !== 0x80) throw new Error('invalid tar header (negative number)')
    let value = 0
    for (let i = at + 1; i < at + length; i++) value = value * 256 + (buf[i] as number)
    if (!Number.isSafeInteger(value)) throw new Error('invalid tar header (number too large)')
    return value
  }
  let i = at
  const end = at + length
  while (i < end && buf[i] === 0x20) i++
  let value = 0
  for (; i < end; i++) {
    const c = buf[i] as number
    if (c === 0x20 || c === 0) break
    if (c < 0x30 || c > 0x37) throw new Error('invalid tar header (bad number)')
    value = value * 8 + (c - 0x30)
  }
  return value
}
