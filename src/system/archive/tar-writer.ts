import {createRequire} from 'node:module'
import path from 'node:path'

import {ustarFits, writeUstar} from './ustar.js'

/**
 * Tar output without per-entry streams: headers come from tar-stream's own encoder (ustar, with a
 * pax record for long or non-ASCII names and link targets, exactly as tar-stream's packer writes
 * them), and headers and contents are laid into large buffers that go to the compressor whole.
 *
 * Why not tar-stream's packer: its streamx machinery costs ~0.1 ms per entry (deps.md §2: 6.96x
 * GNU tar on a 5,452-entry tree), which alone would exceed the pack time budget.
 */
export type TarType = 'file' | 'directory' | 'symlink'

export interface TarHeader {
  readonly name: string
  readonly type: TarType
  readonly mode: number
  readonly size: number
  /** Seconds since 1970. */
  readonly mtime: number
  readonly linkname?: string
}

interface HeaderFields {
  name: string
  type: string
  mode: number
  uid: number
  gid: number
  size: number
  mtime: Date
  linkname?: string | null
}

interface TarStreamHeaders {
  encode(opts: HeaderFields): Buffer | null
  encodePax(opts: {name?: string; linkname?: string | null}): Buffer
}

let headersModule: TarStreamHeaders | undefined

/** tar-stream's headers.js: its package `exports` hide it, so it is loaded by path. */
function tarHeaders(): TarStreamHeaders {
  if (!headersModule) {
    const require = createRequire(import.meta.url)
    const dir = path.dirname(require.resolve('tar-stream'))
    headersModule = require(path.join(dir, 'headers.js')) as TarStreamHeaders
  }
  return headersModule
}

export const BLOCK = 512
/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK)

export function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

const dates = new Map<number, Date>()

/** The header block(s) of one entry: 512 bytes, or a pax header + its record + 512 when needed. */
export function encodeHeader(h: TarHeader): Buffer {
  const headers = tarHeaders()
  let mtime = dates.get(h.mtime)
  if (!mtime) dates.set(h.mtime, (mtime = new Date(h.mtime * 1000)))
  const fields: HeaderFields = {
    name: h.name,
    type: h.type,
    mode: h.mode,
    uid: 0,
    gid: 0,
    size: h.type === 'file' ? h.size : 0,
    mtime,
    linkname: h.linkname ?? null,
  }
  const plain = headers.encode(fields)
  if (plain) return plain
  // Same layout as tar-stream's packer: "PaxHeader" entry with path/linkpath, then the entry.
  const pax = headers.encodePax({name: h.name, linkname: h.linkname ?? null})
  const paxFields: HeaderFields = {
    ...fields,
    name: 'PaxHeader',
    type: 'pax-header',
    size: pax.length,
    linkname: h.linkname === undefined ? null : 'PaxHeader',
  }
  const first = headers.encode(paxFields)
  const entry = headers.encode({...paxFields, type: fields.type, size: fields.size})
  if (!first || !entry) throw new Error(`tar: cannot encode a header for ${h.name}`)
  return Buffer.concat([first, pax, Buffer.alloc(paddingOf(pax.length)), entry])
}

/** An entry's header: written directly when it fits ustar, else by tar-stream with a pax record. */
export function headerBytes(h: TarHeader): Buffer {
  if (!ustarFits(h)) return encodeHeader(h)
  const block = Buffer.alloc(BLOCK)
  writeUstar(block, 0, h)
  return block
}

/**
 * Accumulates tar bytes in fixed-size slabs (allocated uninitialised; every byte is written,
 * padding included). Full slabs are taken with `take()` and handed on whole.
 */
export class SlabWriter {
  private slab: Buffer
  private pos = 0
  private readonly full: Buffer[] = []
  readonly slabSize: number
  /** Bytes written so far. */
  total = 0

  private readonly allocate: () => Buffer

  constructor(slabSize: number, allocate: () => Buffer = () => Buffer.allocUnsafe(slabSize)) {
    this.slabSize = slabSize
    this.allocate = allocate
    this.slab = allocate()
  }

  write(bytes: Buffer): void {
    let off = 0
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, this.slabSize - this.pos)
      bytes.copy(this.slab, this.pos, off, off + n)
      this.advance(n)
      off += n
    }
  }

  zeros(count: number): void {
    let left = count
    while (left > 0) {
      const n = Math.min(left, this.slabSize - this.pos)
      this.slab.fill(0, this.pos, this.pos + n)
      this.advance(n)
      left -= n
    }
  }

  /** Free space in the current slab, to read file data into directly; then `commit(n)`. */
  space(): {buffer: Buffer; offset: number; length: number} {
    return {buffer: this.slab, offset: this.pos, length: this.slabSize - this.pos}
  }

  commit(n: number): void {
    this.advance(n)
  }

  /** Full slabs so far (removed from the writer). */
  take(): Buffer[] {
    return this.full.splice(0)
  }

  /** Everything written, the last slab trimmed. */
  finish(): Buffer[] {
    if (this.pos > 0) this.full.push(this.slab.subarray(0, this.pos))
    this.slab = Buffer.alloc(0)
    this.pos = 0
    return this.take()
  }

  private advance(n: number): void {
    this.pos += n
    this.total += n
    if (this.pos === this.slabSize) {
      this.full.push(this.slab)
      this.slab = this.allocate()
      this.pos = 0
    }
  }
}
