import crypto from 'node:crypto'
import fs from 'node:fs'
import type {Writable} from 'node:stream'

import {NisoError, messageOf} from '../../core/errors.js'
import {normalizedMode} from '../../core/package/reproducible.js'
import {BLOCK, paddingOf} from './tar-format.js'
import {END_OF_ARCHIVE, SlabWriter, type TarHeader, encodeHeader} from './tar-writer.js'
import {ustarFits, writeUstar} from './ustar.js'
import {WRITE_CHUNK, createCompressor} from './zstd.js'

/**
 * The payload frame of a package, in one pass: for each entry in archive order, its tar header
 * and the file's bytes are laid into WRITE_CHUNK slabs (read straight into them, and hashed
 * there), and full slabs go to the compressor whole, whose output goes to `out`. Each file is read
 * exactly once; libzstd compresses one slab on its own threads while this thread reads and hashes
 * the next. Memory stays bounded (a few slabs + zstd state) whatever the tree size.
 *
 * Every slab is a flush point of the compressor (see zstd.ts), so slabs are cut at fixed offsets
 * of the tar stream: the output bytes are a pure function of the entries.
 */
export interface PackEntry {
  readonly path: string
  readonly kind: 'file' | 'dir' | 'symlink'
  /** Absolute path of the content (files). */
  readonly source?: string
  readonly linkTarget?: string
  /** Forced archive mode (the --binary file: 0755). */
  readonly mode?: number
}

export interface Payload<T> {
  /** Compressed bytes written to `out`. */
  readonly size: number
  /** What `afterReading` returned. */
  readonly afterReading: T
}

/**
 * Slabs handed to the compressor and not yet compressed past which this thread waits: one in
 * libzstd, and a second queued behind it until then. Three slabs serve any tree.
 */
const IN_FLIGHT = 1
/**
 * Control goes back to the event loop after at most this many bytes laid out, so the compressor's
 * completions (each one lets libzstd go on) are not kept waiting behind a long run of reads.
 */
const YIELD_BYTES = 1024 * 1024

/**
 * `afterReading` gets the hashes (32 bytes per entry, the SHA-256 of each file, zeros for other
 * entries) once every file is read, and runs while the compressor finishes the last slabs.
 */
export async function writePayload<T>(
  entries: readonly PackEntry[],
  mtime: number,
  level: number,
  out: fs.promises.FileHandle,
  afterReading: (hashes: Buffer) => T,
): Promise<Payload<T>> {
  const z = createCompressor(level)
  let size = 0
  const consume = (async () => {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      size += chunk.length
      let off = 0
      while (off < chunk.length) off += (await out.write(chunk, off)).bytesWritten
    }
  })()
  const feed = new SlabFeed(z)
  const slabs = new SlabWriter(WRITE_CHUNK, () => feed.spare())
  const hashes = Buffer.alloc(32 * entries.length)
  let yieldAt = YIELD_BYTES
  /** Hands full slabs on, waits while too many are in flight, and yields now and then. */
  const pace = async (): Promise<void> => {
    for (const slab of slabs.take()) feed.send(slab)
    await feed.settle(IN_FLIGHT)
    if (slabs.written >= yieldAt) {
      yieldAt = slabs.written + YIELD_BYTES
      await new Promise(setImmediate)
    }
  }
  // The loop stays small: it is an async function, which V8 compiles again at each resumption
  // and deoptimizes on paths taken late; the per-entry work is in a plain function (layEntry).
  const produce = async (): Promise<T> => {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as PackEntry
      const large = layEntry(slabs, e, mtime, hashes, 32 * i)
      if (large) {
        try {
          hashes.set(await readAcross(slabs, large.fd, e, large.size, pace), 32 * i)
          slabs.zeros(paddingOf(large.size))
        } finally {
          fs.closeSync(large.fd)
        }
      }
      // An await costs a turn of the event loop: only when there is something to do.
      if (slabs.hasFull || slabs.written >= yieldAt) await pace()
    }
    slabs.write(END_OF_ARCHIVE)
    for (const slab of slabs.finish()) feed.send(slab)
    const result = afterReading(hashes)
    // end() only once every slab is compressed: Node compresses a piece still queued at end()
    // with ZSTD_e_end, and then its own closing call adds an empty frame, so the bytes would
    // depend on timing.
    await feed.settle(0)
    z.end()
    return result
  }
  const [result] = await Promise.all([
    produce().catch((error: unknown) => {
      z.destroy(error as Error)
      throw error
    }),
    consume,
  ])
  return {size, afterReading: result}
}

/**
 * Slabs on their way through the compressor. Each write is taken whole (its callback runs once
 * libzstd has compressed it), and the slab then comes back for reuse: a few buffers serve any size.
 * The writable side's own buffering is not used for pacing: its 'drain' waits for the queue to
 * empty, which would leave libzstd idle while this thread fills the next slab.
 */
class SlabFeed {
  private inFlight = 0
  private readonly returned: Buffer[] = []
  private failure: Error | undefined
  private wake: (() => void) | undefined
  private readonly z: Writable

  constructor(z: Writable) {
    this.z = z
    z.once('close', () => {
      this.failure ??= new Error('the compressor stopped')
      this.wake?.()
    })
  }

  send(slab: Buffer): void {
    this.inFlight++
    this.z.write(slab, (error) => {
      this.inFlight--
      if (error) this.failure ??= error
      else if (slab.length === WRITE_CHUNK) this.returned.push(slab)
      this.wake?.()
    })
  }

  /** A slab to fill: one the compressor is done with, else a new one. */
  spare(): Buffer {
    return this.returned.pop() ?? Buffer.allocUnsafeSlow(WRITE_CHUNK)
  }

  /** Until at most `limit` slabs are in flight. */
  async settle(limit: number): Promise<void> {
    while (this.inFlight > limit && this.failure === undefined) {
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
    this.wake = undefined
    if (this.failure) throw this.failure
  }
}

/**
 * Lays out one entry: its header, and for a file that fits the current slab (the common case) its
 * contents, read in place and hashed there in one shot (no Hash object per file). A larger file
 * is returned open, with its size, for the caller to read across slabs.
 */
function layEntry(
  slabs: SlabWriter,
  e: PackEntry,
  mtime: number,
  hashes: Buffer,
  hashAt: number,
): {fd: number; size: number} | undefined {
  if (e.kind !== 'file') {
    writeHeader(slabs, headerOf(e, mtime, 0, 0))
    return undefined
  }
  const fd = openEntry(e)
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) throw new NisoError('E_PACK_CHANGED', `${e.path}: is no longer a regular file`)
    const size = st.size
    writeHeader(slabs, headerOf(e, mtime, e.mode ?? normalizedMode('file', st.mode), size))
    if (size > slabs.free) return {fd, size}
    const at = slabs.offset
    readExactly(fd, e, slabs.slab, at, size, 0)
    hashes.set(crypto.hash('sha256', slabs.slab.subarray(at, at + size), 'buffer'), hashAt)
    slabs.commit(size)
    slabs.zeros(paddingOf(size))
  } catch (error) {
    fs.closeSync(fd)
    throw error
  }
  fs.closeSync(fd)
  return undefined
}

/** A file larger than the current slab's free space: read slab by slab, hashed as it goes. */
async function readAcross(
  slabs: SlabWriter,
  fd: number,
  e: PackEntry,
  size: number,
  pace: () => Promise<void>,
): Promise<Buffer> {
  const hash = crypto.createHash('sha256')
  for (let position = 0; position < size;) {
    const at = slabs.offset
    const n = readExactly(fd, e, slabs.slab, at, Math.min(slabs.free, size - position), position)
    hash.update(slabs.slab.subarray(at, at + n))
    slabs.commit(n)
    position += n
    await pace()
  }
  return hash.digest()
}

function headerOf(e: PackEntry, mtime: number, mode: number, size: number): TarHeader {
  if (e.kind === 'dir') return {name: `${e.path}/`, type: 'directory', mode: 0o755, size: 0, mtime}
  if (e.kind === 'symlink')
    return {name: e.path, type: 'symlink', mode: 0o777, size: 0, mtime, linkname: e.linkTarget ?? ''}
  return {name: e.path, type: 'file', mode, size, mtime}
}

/**
 * A ustar header is written in place: the tar stream and the slab size are multiples of 512, so
 * the current slab always has a whole block free. Entries that need a pax record are rare.
 */
function writeHeader(slabs: SlabWriter, h: TarHeader): void {
  if (!ustarFits(h)) {
    slabs.write(encodeHeader(h))
    return
  }
  writeUstar(slabs.slab, slabs.offset, h)
  slabs.commit(BLOCK)
}

/** Reads exactly `length` bytes or fails: a file that shrinks while packing is an error. */
function readExactly(fd: number, e: PackEntry, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done)
    if (n === 0) throw new NisoError('E_PACK_CHANGED', `${e.path}: changed while packing (it got shorter)`)
    done += n
  }
  return done
}

/** O_NONBLOCK: a FIFO put in a file's place is refused by the fstat check instead of hanging the open. */
function openEntry(e: PackEntry): number {
  const {O_RDONLY, O_NOFOLLOW, O_NONBLOCK} = fs.constants
  try {
    return fs.openSync(e.source as string, O_RDONLY | O_NOFOLLOW | O_NONBLOCK)
  } catch (error) {
    throw new NisoError('E_PACK_READ', `${e.path}: cannot read (${messageOf(error)})`)
  }
}
