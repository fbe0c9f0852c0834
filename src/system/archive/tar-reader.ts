import {BLOCK, paddingOf} from './tar-format.js'
import {type TarEntryHeader, parseTarHeader} from './tar-header.js'

/**
 * A synchronous, push-fed tar parser: decompressed bytes in, one visitor call per entry and its
 * data handed to the entry's sink, in the chunks it arrived in (no copies, no stream per entry).
 *
 * Why not tar-stream's extract: it makes a stream and several promises per entry, which cost
 * ~30 µs an entry on the install path, and it reads on after the end-of-archive block. This
 * reader applies pax and GNU long-name records to the entry that follows them, stops at the
 * first all-zero block and refuses anything but zeros after it. Paths, links and types are the
 * visitor's to judge.
 */
export interface EntrySink {
  write(data: Buffer): void
  /** All of the entry's data was written (may throw: e.g. a checksum mismatch). */
  end(): void
}

/** A sink that keeps an entry's data and hands it over whole at its end (the small head entries). */
export function collectEntry(onEnd: (bytes: Buffer) => void): EntrySink {
  const chunks: Buffer[] = []
  return {write: (data) => chunks.push(data), end: () => onEnd(Buffer.concat(chunks))}
}

/** Returned by a visitor to stop before an entry's data; `resume()` asks it again. */
export const PAUSE = Symbol('pause')

export interface TarVisitor {
  /** An entry (extension records applied): a sink for its data, undefined to skip it, or PAUSE. */
  entry(header: TarEntryHeader): EntrySink | undefined | typeof PAUSE
}

/** Extension records (pax, GNU long names) bigger than this are refused. */
const MAX_RECORD = 1024 * 1024

type State = 'header' | 'record' | 'data' | 'padding' | 'end'

export class TarReader {
  private readonly visitor: TarVisitor
  private state: State = 'header'
  /** A header or record collected across chunks. */
  private pending: Buffer = Buffer.alloc(BLOCK)
  private have = 0
  /** Bytes left of the current entry's data or padding. */
  private left = 0
  private padding = 0
  private sink: EntrySink | undefined
  private record: TarEntryHeader | undefined
  private held: TarEntryHeader | undefined
  /** Values from pax and GNU records for the next entry; pax global values for all that follow. */
  private next: {path?: string; linkpath?: string; size?: string} = {}
  private global: {path?: string; linkpath?: string; size?: string} = {}

  constructor(visitor: TarVisitor) {
    this.visitor = visitor
  }

  get paused(): boolean {
    return this.held !== undefined
  }

  /** Parses what it can of `chunk`; returns the bytes consumed (fewer only when paused). */
  push(chunk: Buffer): number {
    let i = 0
    while (i < chunk.length && this.held === undefined) {
      switch (this.state) {
        case 'header': {
          if (this.have === 0 && chunk.length - i >= BLOCK) {
            this.header(chunk, i)
            i += BLOCK
            break
          }
          i += this.collect(chunk, i, BLOCK)
          if (this.have === BLOCK) {
            this.have = 0
            this.header(this.pending, 0)
          }
          break
        }
        case 'record': {
          const size = this.record?.size ?? 0
          i += this.collect(chunk, i, size)
          if (this.have === size) this.applyRecord()
          break
        }
        case 'data': {
          const n = Math.min(this.left, chunk.length - i)
          this.sink?.write(chunk.subarray(i, i + n))
          this.left -= n
          i += n
          if (this.left === 0) this.endData()
          break
        }
        case 'padding': {
          const n = Math.min(this.padding, chunk.length - i)
          this.padding -= n
          i += n
          if (this.padding === 0) this.state = 'header'
          break
        }
        case 'end':
          for (; i < chunk.length; i++) {
            if (chunk[i] !== 0) throw new Error('data after the end of the archive')
          }
          break
      }
    }
    return i
  }

  /** Hands the held entry to the visitor again and goes on with its data. */
  resume(): void {
    const header = this.held
    if (header === undefined) return
    this.held = undefined
    this.begin(header)
  }

  /** The input is complete: it must end between entries. */
  end(): void {
    if (this.state === 'end' || (this.state === 'header' && this.have === 0 && this.held === undefined)) return
    throw new Error('truncated archive (it ends inside an entry)')
  }

  private collect(chunk: Buffer, i: number, size: number): number {
    if (this.pending.length < size) {
      const grown = Buffer.alloc(size)
      this.pending.copy(grown, 0, 0, this.have)
      this.pending = grown
    }
    const n = Math.min(size - this.have, chunk.length - i)
    chunk.copy(this.pending, this.have, i, i + n)
    this.have += n
    return n
  }

  private header(buf: Buffer, at: number): void {
    const h = parseTarHeader(buf, at)
    if (h === null) {
      this.state = 'end'
      return
    }
    switch (h.type) {
      case 'pax-header':
      case 'pax-global-header':
      case 'gnu-long-path':
      case 'gnu-long-link-path':
        if (h.size > MAX_RECORD) throw new Error(`${h.type} record too large (${h.size} bytes)`)
        this.record = h
        this.state = 'record'
        if (h.size === 0) this.applyRecord()
        return
    }
    const values = {...this.global, ...this.next}
    this.next = {}
    if (values.path !== undefined) h.name = values.path
    if (values.linkpath !== undefined) h.linkname = values.linkpath
    if (values.size !== undefined) h.size = Number.parseInt(values.size, 10)
    if (!Number.isSafeInteger(h.size) || h.size < 0) throw new Error(`invalid size for "${h.name}"`)
    this.begin(h)
  }

  private begin(h: TarEntryHeader): void {
    const sink = this.visitor.entry(h)
    if (sink === PAUSE) {
      this.held = h
      return
    }
    this.sink = sink
    // A directory carries no data, whatever its size field says (as tar-stream reads it).
    this.left = h.type === 'directory' ? 0 : h.size
    this.padding = paddingOf(this.left)
    this.state = 'data'
    if (this.left === 0) this.endData()
  }

  private endData(): void {
    const sink = this.sink
    this.sink = undefined
    this.state = this.padding > 0 ? 'padding' : 'header'
    sink?.end()
  }

  private applyRecord(): void {
    const h = this.record as TarEntryHeader
    const body = this.pending.subarray(0, h.size)
    this.have = 0
    this.record = undefined
    if (h.type === 'gnu-long-path') this.next.path = nulTerminated(body)
    else if (h.type === 'gnu-long-link-path') this.next.linkpath = nulTerminated(body)
    else Object.assign(h.type === 'pax-global-header' ? this.global : this.next, paxValues(body))
    this.padding = paddingOf(h.size)
    this.state = this.padding > 0 ? 'padding' : 'header'
  }
}

function nulTerminated(body: Buffer): string {
  const end = body.indexOf(0)
  return body.toString('utf8', 0, end === -1 ? body.length : end)
}

/** The path, linkpath and size of pax records ("<length> <key>=<value>\n"); others are ignored. */
function paxValues(body: Buffer): {path?: string; linkpath?: string; size?: string} {
  const values: {path?: string; linkpath?: string; size?: string} = {}
  let at = 0
  while (at < body.length) {
    const space = body.indexOf(0x20, at)
    const length = space === -1 ? Number.NaN : Number.parseInt(body.toString('latin1', at, space), 10)
    if (!(length > 0) || at + length > body.length) throw new Error('invalid pax record')
    const record = body.toString('utf8', space + 1, at + length - 1)
    const eq = record.indexOf('=')
    if (eq === -1) throw new Error('invalid pax record')
    const key = record.slice(0, eq)
    if (key === 'path' || key === 'linkpath' || key === 'size') values[key] = record.slice(eq + 1)
    at += length
  }
  return values
}
