import crypto from 'node:crypto'
import fs from 'node:fs'

import {NisoError, messageOf} from '../../core/errors.js'
import {normalizedMode} from '../../core/package/reproducible.js'
import {BLOCK, type TarHeader, encodeHeader, paddingOf} from './tar-writer.js'
import {ustarFits, writeUstar} from './ustar.js'

/**
 * Pass 1 of `niso pack`, run by the main thread and a helper worker together. Entries are cut
 * into blocks of BLOCK_ENTRIES; each thread claims the next block from a shared counter, opens
 * and fstats its files, reads each one exactly once and hashes it. While the shared arena lasts,
 * a block's tar bytes (headers, contents; the arena starts zeroed, so padding is already there)
 * are laid out in a range of it claimed for that block, so pass 2 compresses them without reading
 * the files again; past it only the hashes and sizes are kept. Everything the threads produce
 * lives in SharedArrayBuffers: no messages per block, no copies between threads, and one
 * allocation for the garbage collector instead of one per block.
 */
export const BLOCK_ENTRIES = 64

export interface PackEntry {
  readonly path: string
  readonly kind: 'file' | 'dir' | 'symlink'
  /** Absolute path of the content (files). */
  readonly source?: string
  readonly linkTarget?: string
  /** Forced archive mode (the --binary file: 0755). */
  readonly mode?: number
}

/** Shared by both threads. */
export interface PassOneJob {
  readonly entries: readonly PackEntry[]
  readonly mtime: number
  /** [0] next block to claim, [1] arena used in 512-byte units, [2] set when a thread failed. */
  readonly counters: Int32Array
  readonly arena: SharedArrayBuffer
  /** Per block: where its tar bytes sit in the arena (-1: not kept), and their length. */
  readonly blockOffsets: Float64Array
  readonly blockLengths: Float64Array
  /** Per entry (files): size, archive mode, and mtime/inode for pass 2's "did it change" check. */
  readonly sizes: Float64Array
  readonly modes: Uint16Array
  readonly mtimes: Float64Array
  readonly inodes: Float64Array
  /** 32 bytes per entry: the SHA-256 of each file. */
  readonly hashes: Uint8Array
}

export function newPassOneJob(entries: readonly PackEntry[], mtime: number, arenaBytes: number): PassOneJob {
  const n = entries.length
  const blocks = Math.ceil(n / BLOCK_ENTRIES)
  const f64 = (count: number) => new Float64Array(new SharedArrayBuffer(8 * count))
  return {
    entries,
    mtime,
    counters: new Int32Array(new SharedArrayBuffer(12)),
    arena: new SharedArrayBuffer(arenaBytes),
    blockOffsets: f64(blocks),
    blockLengths: f64(blocks),
    sizes: f64(n),
    modes: new Uint16Array(new SharedArrayBuffer(2 * n)),
    mtimes: f64(n),
    inodes: f64(n),
    hashes: new Uint8Array(new SharedArrayBuffer(32 * n)),
  }
}

export function blockCount(job: PassOneJob): number {
  return job.blockOffsets.length
}

/** Claims and processes blocks until none are left (or the other thread failed). */
export function drainBlocks(job: PassOneJob): void {
  const arena = Buffer.from(job.arena)
  const io = {buffer: undefined as Buffer | undefined}
  try {
    for (;;) {
      if (Atomics.load(job.counters, 2) !== 0) return
      const block = Atomics.add(job.counters, 0, 1)
      if (block >= blockCount(job)) return
      processBlock(job, block, arena, io)
    }
  } catch (error) {
    Atomics.store(job.counters, 2, 1)
    throw error
  }
}

function processBlock(job: PassOneJob, block: number, arena: Buffer, io: {buffer: Buffer | undefined}): void {
  const {entries} = job
  const start = block * BLOCK_ENTRIES
  const end = Math.min(entries.length, start + BLOCK_ENTRIES)
  const fds = new Map<number, number>()
  try {
    let total = 0
    for (let i = start; i < end; i++) {
      const e = entries[i] as PackEntry
      if (e.kind === 'file') {
        const fd = openEntry(e)
        fds.set(i, fd)
        const st = fs.fstatSync(fd)
        if (!st.isFile()) throw new NisoError('E_PACK_CHANGED', `${e.path}: is no longer a regular file`)
        job.sizes[i] = st.size
        job.modes[i] = e.mode ?? normalizedMode('file', st.mode)
        job.mtimes[i] = st.mtimeMs
        job.inodes[i] = st.ino
      }
      total += headerLength(job, i) + job.sizes[i]! + paddingOf(job.sizes[i]!)
    }
    // Claim a range of the arena; a claim that does not fit is given back (ranges handed out
    // never overlap: a claim only succeeds below the limit, which a failed one overshoots).
    const units = total / BLOCK
    const at = Atomics.add(job.counters, 1, units)
    const kept = (at + units) * BLOCK <= arena.length
    if (!kept) Atomics.sub(job.counters, 1, units)
    job.blockOffsets[block] = kept ? at * BLOCK : -1
    job.blockLengths[block] = total
    let pos = at * BLOCK
    for (let i = start; i < end; i++) {
      if (kept) pos += writeHeader(job, i, arena, pos)
      const fd = fds.get(i)
      if (fd === undefined) continue
      const e = entries[i] as PackEntry
      const size = job.sizes[i] as number
      if (kept) {
        readExactly(fd, e, arena, pos, size, 0)
        // One-shot hashing: no Hash object per file (a third of pass 1's CPU on small files).
        job.hashes.set(crypto.hash('sha256', arena.subarray(pos, pos + size), 'buffer'), 32 * i)
        pos += size + paddingOf(size)
        continue
      }
      const hash = crypto.createHash('sha256')
      io.buffer ??= Buffer.allocUnsafe(1024 * 1024)
      for (let position = 0; position < size;) {
        const n = readExactly(fd, e, io.buffer, 0, Math.min(io.buffer.length, size - position), position)
        hash.update(io.buffer.subarray(0, n))
        position += n
      }
      job.hashes.set(hash.digest(), 32 * i)
    }
  } finally {
    for (const fd of fds.values()) fs.closeSync(fd)
  }
}

/** The tar header of entry `i` (files: once their size and mode are known). */
export function headerOf(job: PassOneJob, i: number): TarHeader {
  const e = job.entries[i] as PackEntry
  const mtime = job.mtime
  if (e.kind === 'dir') return {name: `${e.path}/`, type: 'directory', mode: 0o755, size: 0, mtime}
  if (e.kind === 'symlink')
    return {name: e.path, type: 'symlink', mode: 0o777, size: 0, mtime, linkname: e.linkTarget ?? ''}
  return {name: e.path, type: 'file', mode: job.modes[i] as number, size: job.sizes[i] as number, mtime}
}

function headerLength(job: PassOneJob, i: number): number {
  const h = headerOf(job, i)
  return ustarFits(h) ? BLOCK : encodeHeader(h).length
}

/** Writes entry `i`'s header at `pos`; returns its length (512, or more with a pax record). */
export function writeHeader(job: PassOneJob, i: number, buf: Buffer, pos: number): number {
  const h = headerOf(job, i)
  if (ustarFits(h)) {
    writeUstar(buf, pos, h)
    return BLOCK
  }
  const full = encodeHeader(h)
  full.copy(buf, pos)
  return full.length
}

/** Reads exactly `length` bytes or fails: a file that shrinks while packing is an error. */
export function readExactly(
  fd: number,
  e: PackEntry,
  buf: Buffer,
  offset: number,
  length: number,
  position: number,
): number {
  let done = 0
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done)
    if (n === 0) throw new NisoError('E_PACK_CHANGED', `${e.path}: changed while packing (it got shorter)`)
    done += n
  }
  return done
}

export function openEntry(e: PackEntry): number {
  try {
    return fs.openSync(e.source as string, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  } catch (error) {
    throw new NisoError('E_PACK_READ', `${e.path}: cannot read (${messageOf(error)})`)
  }
}
