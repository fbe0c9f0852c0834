import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {Transform, type TransformOptions} from 'node:stream'
import type {ZstdOptions} from 'node:zlib'
import {pipeline} from 'node:stream/promises'

import type {Manifest} from '@niso/plugin-sdk'
import type {Extract} from 'tar-stream'

import {NisoError, isNisoError, messageOf} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {
  CHECKSUMS_ENTRY,
  DEFAULT_MAX_UNPACKED_BYTES,
  MANIFEST_ENTRY,
  MAX_COMPRESSION_RATIO,
  SIGNATURE_ENTRY,
  parseChecksums,
} from '../../core/package/format.js'
import {type ParsedSignature, parseSignature} from '../../core/package/signing.js'
import {
  checkEntryPath,
  checkHardlinkTarget,
  checkNameAndArch,
  checkSymlinkTarget,
  entryError,
  formatBytes,
  mismatch,
  printable,
  refuse,
  resolveInPackage,
  safeMode,
} from './extract-rules.js'
import {type FileSink, StagingWriter} from './extract-writer.js'

/**
 * Verifying extraction of a .niso: one streaming pass, file → zstd → tar, never buffering the
 * payload. The head entries (manifest.toml, checksums.sha256, signature.ed25519) are read and
 * judged first — `onHead` decides trust before a single payload byte is written — then every
 * entry is checked against the rules in extract-rules.ts and hashed as it is written. Any refusal
 * removes the staging dir (and the archive copy) and leaves nothing else behind.
 */
export interface ArchiveHead {
  readonly manifestText: string
  readonly manifest: Manifest
  /** The manifest's arch, or this machine's when the manifest names none. */
  readonly arch: string
  /** The exact bytes of checksums.sha256 (what a signature covers). */
  readonly checksumsBytes: Buffer
  readonly checksums: ReadonlyMap<string, string>
  readonly signature: ParsedSignature | null
}

export interface ExtractOptions {
  /** Staging dir to create and fill; it must not exist. */
  readonly target: string
  readonly maxUnpackedBytes?: number
  /** Judges the head (trust, conflicts) before any payload is written: throw to refuse. */
  readonly onHead?: (head: ArchiveHead) => void | Promise<void>
  /** Also writes the compressed bytes, as read and verified, to this new file (the kept copy). */
  readonly copyTo?: string
  readonly onWarning?: (message: string) => void
  /** process.arch by default (tests pass another). */
  readonly nodeArch?: string
}

export interface ExtractResult {
  readonly head: ArchiveHead
  readonly archiveSha256: string
  readonly archiveSize: number
  readonly unpackedBytes: number
  /** Regular files, head entries included. */
  readonly fileCount: number
}

/** Head entries are small; anything bigger is not a package. */
const HEAD_LIMITS: Readonly<Record<string, number>> = {
  [MANIFEST_ENTRY]: 1024 * 1024,
  [CHECKSUMS_ENTRY]: 64 * 1024 * 1024,
  [SIGNATURE_ENTRY]: 4096,
}
/** The compression ratio is judged only past this much output (tiny packages compress well). */
export const RATIO_MIN_BYTES = 16 * 1024 * 1024
const READ_CHUNK = 1024 * 1024

export async function extractArchive(file: string, options: ExtractOptions): Promise<ExtractResult> {
  try {
    fs.mkdirSync(options.target, {mode: 0o700})
  } catch (error) {
    throw new NisoError('E_STAGING', `${options.target}: cannot create staging dir (${messageOf(error)})`)
  }
  const run = new ArchiveRun(file, options)
  try {
    return await run.extract()
  } catch (error) {
    await run.cleanup()
    throw run.explain(error)
  }
}

interface Progress {
  entry: string | undefined
  compressed: number
  decompressed: number
}

/** One tar entry as tar-stream hands it over (a readable of its data, with its header). */
type Entry = Extract extends AsyncIterable<infer S> ? S : never

class ArchiveRun {
  private readonly file: string
  private readonly label: string
  private readonly options: ExtractOptions
  private readonly max: number
  private readonly progress: Progress = {entry: undefined, compressed: 0, decompressed: 0}
  private readonly hash = crypto.createHash('sha256')
  private copyFd: number | undefined
  private sink: FileSink | undefined
  private unpacked = 0
  /** The error came from the caller's onHead: passed through untouched. */
  private callerError = false
  /** Directory entries seen (a second one with the same path is a duplicate). */
  private readonly seenDirs = new Set<string>()

  constructor(file: string, options: ExtractOptions) {
    this.file = file
    this.label = path.basename(file)
    this.options = options
    this.max = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES
  }

  async extract(): Promise<ExtractResult> {
    const {target, copyTo} = this.options
    if (copyTo !== undefined) this.copyFd = fs.openSync(copyTo, 'wx', 0o644)
    const writer = new StagingWriter(target, this.label)
    const head = await this.stream(async (entries) => {
      const head = await this.readHead(entries)
      for (const [name, bytes] of head.files) this.writeHeadFile(writer, name, bytes)
      let next = head.next
      while (next !== undefined) {
        await this.payload(next, head.head, writer)
        const r = await entries.next()
        next = r.done ? undefined : r.value
      }
      this.progress.entry = undefined
      this.verifyComplete(head.head, writer)
      return head.head
    })
    writer.finish()
    if (this.copyFd !== undefined) {
      fs.fsyncSync(this.copyFd)
      fs.closeSync(this.copyFd)
      this.copyFd = undefined
    }
    return {
      head,
      archiveSha256: this.hash.digest('hex'),
      archiveSize: this.progress.compressed,
      unpackedBytes: this.unpacked,
      fileCount: writer.files.size,
    }
  }

  /** Runs file → hash/copy → zstd → count → tar, handing the entry iterator to `consume`. */
  private async stream<T>(consume: (entries: AsyncIterator<Entry>) => Promise<T>): Promise<T> {
    const [tar, {default: zlib}] = await Promise.all([import('tar-stream'), import('node:zlib')])
    let source: fs.ReadStream
    try {
      if (!fs.statSync(this.file).isFile()) throw Object.assign(new Error('not a file'), {code: 'EISDIR'})
      fs.accessSync(this.file, fs.constants.R_OK)
      source = fs.createReadStream(this.file, {highWaterMark: READ_CHUNK})
    } catch (error) {
      throw new NisoError('E_ARCHIVE_READ', `${this.file}: ${readError(error)}`)
    }
    const progress = this.progress
    const copy = (chunk: Buffer): void => {
      this.hash.update(chunk)
      progress.compressed += chunk.length
      const fd = this.copyFd
      if (fd === undefined) return
      let offset = 0
      while (offset < chunk.length) offset += fs.writeSync(fd, chunk, offset, chunk.length - offset)
    }
    const tap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        try {
          copy(chunk)
          cb(null, chunk)
        } catch (error) {
          cb(error as Error)
        }
      },
    })
    const max = this.max
    const label = this.label
    const counter = new Transform({
      readableHighWaterMark: 4 * 1024 * 1024,
      writableHighWaterMark: 4 * 1024 * 1024,
      transform(chunk: Buffer, _enc, cb) {
        progress.decompressed += chunk.length
        cb(checkInflation(label, progress, max), chunk)
      },
    })
    const extract = tar.extract()
    // 1 MiB output pieces: each piece is a thread-pool round trip, and at 256 KiB decompression
    // takes twice as long (measured on the bench package: 106-144 ms vs 48-69 ms).
    // A deep output buffer lets the thread pool decompress ahead while the main thread parses and
    // writes, instead of the two taking turns.
    const deep: TransformOptions = {readableHighWaterMark: 8 * 1024 * 1024}
    const zstd = zlib.createZstdDecompress({chunkSize: 1024 * 1024, ...deep} as ZstdOptions)
    const done = pipeline(source, tap, zstd, counter, extract)
    done.catch(() => undefined)
    const entries = extract[Symbol.asyncIterator]()
    let result: T
    try {
      result = await consume(entries)
    } catch (error) {
      await entries.return?.()
      await done.catch(() => undefined)
      throw error
    }
    await done
    return result
  }

  private async readHead(
    entries: AsyncIterator<Entry>,
  ): Promise<{head: ArchiveHead; files: Array<[string, Buffer]>; next: Entry | undefined}> {
    const first = await nextEntry(entries)
    if (first === undefined) throw refuse('E_ARCHIVE_LAYOUT', this.label, 'empty archive (no manifest.toml)')
    const manifestBytes = await this.headEntry(first, MANIFEST_ENTRY, 'first')
    const manifestText = manifestBytes.toString('utf8')
    const manifest = parseManifest(manifestText, `${this.label}/${MANIFEST_ENTRY}`)
    const arch = checkNameAndArch(this.label, this.label, manifest, this.options.nodeArch ?? process.arch)

    const second = await nextEntry(entries)
    if (second === undefined)
      throw refuse('E_ARCHIVE_LAYOUT', this.label, `no ${CHECKSUMS_ENTRY} after ${MANIFEST_ENTRY}`)
    const checksumsBytes = await this.headEntry(second, CHECKSUMS_ENTRY, 'second')
    const checksums = parseChecksums(checksumsBytes.toString('utf8'), `${this.label}/${CHECKSUMS_ENTRY}`)
    for (const own of [CHECKSUMS_ENTRY, SIGNATURE_ENTRY]) {
      if (checksums.has(own)) throw refuse('E_ARCHIVE_LAYOUT', this.label, `${CHECKSUMS_ENTRY} must not list ${own}`)
    }
    const manifestSha = crypto.createHash('sha256').update(manifestBytes).digest('hex')
    const listed = checksums.get(MANIFEST_ENTRY)
    if (listed === undefined)
      throw entryError('E_ARCHIVE_UNLISTED', this.label, MANIFEST_ENTRY, `not listed in ${CHECKSUMS_ENTRY}`)
    if (listed !== manifestSha) throw mismatch(this.label, MANIFEST_ENTRY, listed, manifestSha)

    const files: Array<[string, Buffer]> = [
      [MANIFEST_ENTRY, manifestBytes],
      [CHECKSUMS_ENTRY, checksumsBytes],
    ]
    let signature: ParsedSignature | null = null
    let next = await nextEntry(entries)
    if (next?.header.name === SIGNATURE_ENTRY) {
      const bytes = await this.headEntry(next, SIGNATURE_ENTRY, 'third')
      signature = parseSignature(bytes.toString('utf8'), `${this.label}/${SIGNATURE_ENTRY}`)
      files.push([SIGNATURE_ENTRY, bytes])
      next = await nextEntry(entries)
    }
    this.progress.entry = next?.header.name
    const head: ArchiveHead = {manifestText, manifest, arch, checksumsBytes, checksums, signature}
    try {
      await this.options.onHead?.(head)
    } catch (error) {
      this.callerError = true
      throw error
    }
    return {head, files, next}
  }

  /** Reads one head entry, which must be the regular file `name` and small. */
  private async headEntry(entry: Entry, name: string, position: string): Promise<Buffer> {
    const h = entry.header
    this.progress.entry = h.name
    if (h.name !== name || (h.type !== 'file' && h.type !== 'contiguous-file')) {
      entry.resume()
      throw refuse('E_ARCHIVE_LAYOUT', this.label, `${position} entry is "${printable(h.name)}", expected ${name}`)
    }
    const size = h.size ?? 0
    const limit = HEAD_LIMITS[name] ?? 0
    if (size > limit) {
      entry.resume()
      throw entryError(
        'E_ARCHIVE_SIZE',
        this.label,
        name,
        `too large (${formatBytes(size)}, at most ${formatBytes(limit)})`,
      )
    }
    this.count(name, size)
    return Buffer.concat(await readAll(entry))
  }

  private writeHeadFile(writer: StagingWriter, name: string, bytes: Buffer): void {
    const sink = writer.openFile(name, 0o644)
    this.sink = sink
    sink.write(bytes)
    sink.close()
    this.sink = undefined
  }

  private count(name: string, size: number): void {
    this.unpacked += size
    if (this.unpacked > this.max) {
      throw entryError(
        'E_ARCHIVE_SIZE',
        this.label,
        name,
        `unpacked size exceeds the limit of ${formatBytes(this.max)} (raise it with --max-size)`,
      )
    }
  }

  private async payload(entry: Entry, head: ArchiveHead, writer: StagingWriter): Promise<void> {
    const h = entry.header
    const label = this.label
    this.progress.entry = h.name
    const type = h.type
    const rel = checkEntryPath(label, h.name, type === 'directory')
    if (rel === MANIFEST_ENTRY || rel === CHECKSUMS_ENTRY || writer.files.has(rel) || writer.symlinks.has(rel)) {
      throw entryError('E_ARCHIVE_DUPLICATE', label, h.name, 'duplicate entry')
    }
    if (rel === SIGNATURE_ENTRY) {
      throw entryError('E_ARCHIVE_LAYOUT', label, h.name, `must come right after ${CHECKSUMS_ENTRY}`)
    }
    if (this.seenDirs.has(rel)) throw entryError('E_ARCHIVE_DUPLICATE', label, h.name, 'duplicate entry')
    if (type !== 'directory' && writer.hasDir(rel)) {
      throw entryError('E_ARCHIVE_DUPLICATE', label, h.name, 'a directory of the same path came before it')
    }
    const size = h.size ?? 0
    this.count(h.name, type === 'file' || type === 'contiguous-file' ? size : 0)
    const expected = head.checksums.get(rel)
    const {mode, stripped} = safeMode(h.mode ?? (type === 'directory' ? 0o755 : 0o644))
    if (stripped && (type === 'file' || type === 'contiguous-file' || type === 'directory')) {
      this.options.onWarning?.(`${label}: entry "${printable(h.name)}": setuid/setgid bits stripped`)
    }
    switch (type) {
      case 'file':
      case 'contiguous-file': {
        if (expected === undefined) {
          throw entryError('E_ARCHIVE_UNLISTED', label, h.name, `not listed in ${CHECKSUMS_ENTRY}`)
        }
        const sink = writer.openFile(rel, mode)
        this.sink = sink
        await drainInto(entry, (chunk) => sink.write(chunk))
        const sha = sink.close()
        this.sink = undefined
        if (sha !== expected) throw mismatch(label, h.name, expected, sha)
        return
      }
      case 'directory':
        entry.resume()
        if (expected !== undefined) {
          throw entryError('E_ARCHIVE_LAYOUT', label, h.name, `is a directory but listed in ${CHECKSUMS_ENTRY}`)
        }
        writer.directory(rel, mode)
        this.seenDirs.add(rel)
        return
      case 'symlink':
        entry.resume()
        checkSymlinkTarget(label, rel, h.linkname ?? '')
        writer.symlink(rel, h.linkname ?? '')
        return
      case 'link': {
        entry.resume()
        const target = checkHardlinkTarget(label, rel, h.linkname ?? '')
        if (expected === undefined) {
          throw entryError('E_ARCHIVE_UNLISTED', label, h.name, `not listed in ${CHECKSUMS_ENTRY}`)
        }
        const sha = writer.hardlink(rel, target)
        if (sha !== expected) throw mismatch(label, h.name, expected, sha)
        return
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        entry.resume()
        throw entryError(
          'E_ARCHIVE_TYPE',
          label,
          h.name,
          `${type} entries are not allowed (a package holds files, directories and links)`,
        )
      default:
        entry.resume()
        throw entryError(
          'E_ARCHIVE_TYPE',
          label,
          h.name,
          'unsupported entry type (sockets and special files are not allowed)',
        )
    }
  }

  /** Everything listed arrived; listed symlinks lead to a file with that content; no link escapes. */
  private verifyComplete(head: ArchiveHead, writer: StagingWriter): void {
    for (const [rel, target] of writer.symlinks) {
      if (resolveInPackage(rel, writer.symlinks) === undefined) {
        throw entryError('E_ARCHIVE_LINK', this.label, rel, `symlink target "${printable(target)}" leaves the package`)
      }
    }
    for (const [rel, sha] of head.checksums) {
      if (writer.files.has(rel)) continue
      if (writer.symlinks.has(rel)) {
        const to = resolveInPackage(rel, writer.symlinks)
        const got = to === undefined ? undefined : writer.files.get(to)
        if (got === undefined) {
          throw entryError('E_ARCHIVE_LINK', this.label, rel, `listed in ${CHECKSUMS_ENTRY} but links to no file`)
        }
        if (got !== sha) throw mismatch(this.label, rel, sha, got)
        continue
      }
      throw refuse('E_ARCHIVE_MISSING', this.label, `"${printable(rel)}" is listed in ${CHECKSUMS_ENTRY} but absent`)
    }
  }

  async cleanup(): Promise<void> {
    this.sink?.abandon()
    if (this.copyFd !== undefined) {
      fs.closeSync(this.copyFd)
      this.copyFd = undefined
    }
    if (this.options.copyTo !== undefined) fs.rmSync(this.options.copyTo, {force: true})
    if (this.options.target !== '') fs.rmSync(this.options.target, {recursive: true, force: true})
  }

  /** Any failure as one NisoError line naming the archive (and the entry being read). */
  explain(error: unknown): unknown {
    if (isNisoError(error) || this.callerError) return error
    const at = this.progress.entry === undefined ? '' : `entry "${printable(this.progress.entry)}": `
    const code = (error as NodeJS.ErrnoException).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      return refuse('E_ARCHIVE_WRITE', this.label, `${at}${messageOf(error)}`)
    }
    return refuse('E_ARCHIVE_CORRUPT', this.label, `${at}corrupt or truncated archive (${messageOf(error)})`)
  }
}

/** An entry's data as chunks. */
async function readAll(entry: Entry): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  await drainInto(entry, (chunk) => chunks.push(chunk))
  return chunks
}

/**
 * Feeds an entry's data to `write` as it arrives: one promise per entry, where for-await costs one
 * per chunk. A throwing `write` rejects; the chunks after it are dropped.
 */
function drainInto(entry: Entry, write: (chunk: Buffer) => unknown): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false
    entry.on('data', (chunk: unknown) => {
      if (failed) return
      try {
        write(chunk as Buffer)
      } catch (error) {
        failed = true
        reject(error as Error)
      }
    })
    entry.on('end', () => resolve())
    entry.on('error', reject)
  })
}

async function nextEntry(entries: AsyncIterator<Entry>): Promise<Entry | undefined> {
  const r = await entries.next()
  return r.done ? undefined : r.value
}

/** Stops a decompression bomb as it inflates: too many bytes overall, or too high a ratio. */
function checkInflation(label: string, p: Progress, max: number): NisoError | null {
  const at = p.entry === undefined ? '' : `entry "${printable(p.entry)}": `
  if (p.decompressed > max + max / 8 + 64 * 1024 * 1024) {
    return refuse(
      'E_ARCHIVE_SIZE',
      label,
      `${at}unpacked size exceeds the limit of ${formatBytes(max)} (raise it with --max-size)`,
    )
  }
  if (p.decompressed > RATIO_MIN_BYTES && p.decompressed > p.compressed * MAX_COMPRESSION_RATIO) {
    return refuse(
      'E_ARCHIVE_BOMB',
      label,
      `${at}compression ratio over ${MAX_COMPRESSION_RATIO}:1 after ${formatBytes(p.decompressed)} (a zstd bomb?)`,
    )
  }
  return null
}

function readError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES') return 'permission denied'
  if (code === 'EISDIR') return 'not a regular file'
  return messageOf(error)
}
