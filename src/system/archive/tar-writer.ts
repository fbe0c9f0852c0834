import {createRequire} from 'node:module'
import path from 'node:path'

import {BLOCK, paddingOf} from './tar-format.js'
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

/** Two zero blocks end a tar archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK)

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
  /** The slab being filled; bytes go at `offset` (directly, then `commit(n)`, or by `write`). */
  slab: Buffer
  offset = 0
  /** Bytes written in all. */
  written = 0
  private readonly full: Buffer[] = []
  readonly slabSize: number
  private readonly allocate: () => Buffer

  constructor(slabSize: number, allocate: () => Buffer = () => Buffer.allocUnsafe(slabSize)) {
    this.slabSize = slabSize
    this.allocate = allocate
    this.slab = allocate()
  }

  /** Free bytes in the current slab. */
  get free(): number {
    return this.slabSize - this.offset
  }

  /** Whether some slab is full and waits for `take()`. */
  get hasFull(): boolean {
    return this.full.length > 0
  }

  write(bytes: Uint8Array): void {
    let off = 0
    while (off < bytes.length) {
      const n = Math.min(bytes.length - off, this.free)
      this.slab.set(n === bytes.length ? bytes : bytes.subarray(off, off + n), this.offset)
      this.commit(n)
      off += n
    }
  }

  zeros(count: number): void {
    let left = count
    while (left > 0) {
      const n = Math.min(left, this.free)
      // Uint8Array's own fill: Buffer's checks its arguments at a cost that shows per file.
      Uint8Array.prototype.fill.call(this.slab, 0, this.offset, this.offset + n)
      this.commit(n)
      left -= n
    }
  }

  commit(n: number): void {
    this.offset += n
    this.written += n
    if (this.offset === this.slabSize) {
      this.full.push(this.slab)
      this.slab = this.allocate()
      this.offset = 0
    }
  }

  /** Full slabs so far (removed from the writer). */
  take(): Buffer[] {
    return this.full.splice(0)
  }

  /** Everything written, the last slab trimmed. */
  finish(): Buffer[] {
    if (this.offset > 0) this.full.push(this.slab.subarray(0, this.offset))
    this.slab = Buffer.alloc(0)
    this.offset = 0
    return this.take()
  }
}
