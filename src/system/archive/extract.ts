import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {Transform} from 'node:stream'
import {pipeline} from 'node:stream/promises'

import type {Manifest} from '@niso/plugin-sdk'

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
import type {TarEntryHeader} from './tar-header.js'
import {type EntrySink, PAUSE, TarReader, type TarVisitor, collectEntry} from './tar-reader.js'
import {ZstdFramesDecompress} from './zstd-frames.js'
import {writeAllSync} from '../write-all.js'

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

/** The head entries, in archive order, and what reading them has reached. */
type HeadStage = 'manifest' | 'checksums' | 'signature' | 'judged'

interface HeadParts {
  manifestText?: string
  manifest?: Manifest
  arch?: string
  checksumsBytes?: Buffer
  checksums?: ReadonlyMap<string, string>
  signature?: ParsedSignature | null
  files: Array<[string, Buffer]>
}

class ArchiveRun implements TarVisitor {
  private readonly file: string
  private readonly label: string
  private readonly options: ExtractOptions
  private readonly max: number
  private readonly progress: Progress = {entry: undefined, compressed: 0, decompressed: 0}
  private readonly hash = crypto.createHash('sha256')
  private readonly writer: StagingWriter
  private copyFd: number | undefined
  private sink: FileSink | undefined
  private unpacked = 0
  /** The error came from the caller's onHead: passed through untouched. */
  private callerError = false
  /** Directory entries seen (a second one with the same path is a duplicate). */
  private readonly seenDirs = new Set<string>()
  private stage: HeadStage = 'manifest'
  private readonly parts: HeadParts = {files: []}
  private head: ArchiveHead | undefined

  constructor(file: string, options: ExtractOptions) {
    this.file = file
    this.label = path.basename(file)
    this.options = options
    this.max = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES
    this.writer = new StagingWriter(options.target, this.label)
  }

  async extract(): Promise<ExtractResult> {
    const {copyTo} = this.options
    if (copyTo !== undefined) this.copyFd = fs.openSync(copyTo, 'wx', 0o644)
    await this.stream()
    const head = this.head ?? (await this.judgeHead())
    this.progress.entry = undefined
    this.verifyComplete(head)
    this.writer.finish()
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
      fileCount: this.writer.files.size,
    }
  }

  /**
   * file → hash/copy → zstd frames → tar reader, which calls `entry` for each entry. The reader
   * pauses at the first payload entry until the head is judged (onHead is asynchronous).
   */
  private async stream(): Promise<void> {
    let source: fs.ReadStream
    try {
      if (!fs.statSync(this.file).isFile()) throw Object.assign(new Error('not a file'), {code: 'EISDIR'})
      fs.accessSync(this.file, fs.constants.R_OK)
      source = fs.createReadStream(this.file, {highWaterMark: READ_CHUNK})
    } catch (error) {
      throw new NisoError('E_ARCHIVE_READ', `${this.file}: ${readError(error)}`)
    }
    const progress = this.progress
    const tap = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        try {
          this.copy(chunk)
          cb(null, chunk)
        } catch (error) {
          cb(error as Error)
        }
      },
    })
    const frames = new ZstdFramesDecompress()
    const feeding = pipeline(source, tap, frames)
    feeding.catch(() => undefined)
    const reader = new TarReader(this)
    try {
      // Chunks come through 'readable' events, after zlib has queued its next piece: the thread
      // pool decompresses ahead while this thread parses and writes.
      for await (const chunk of frames as AsyncIterable<Buffer>) {
        progress.decompressed += chunk.length
        const inflation = checkInflation(this.label, progress, this.max)
        if (inflation) throw inflation
        let at = 0
        while (at < chunk.length) {
          at += reader.push(chunk.subarray(at))
          if (reader.paused) {
            await this.judgeHead()
            reader.resume()
          }
        }
      }
      await feeding
      reader.end()
    } catch (error) {
      frames.destroy()
      await feeding.catch(() => undefined)
      throw error
    }
  }

  private copy(chunk: Buffer): void {
    this.hash.update(chunk)
    this.progress.compressed += chunk.length
    if (this.copyFd !== undefined) writeAllSync(this.copyFd, chunk)
  }

  /** TarVisitor: the head entries in order, then (once the head is judged) the payload. */
  entry(h: TarEntryHeader): EntrySink | undefined | typeof PAUSE {
    this.progress.entry = h.name
    switch (this.stage) {
      case 'manifest':
        return this.headEntry(h, MANIFEST_ENTRY, 'first', (bytes) => this.acceptManifest(bytes))
      case 'checksums':
        return this.headEntry(h, CHECKSUMS_ENTRY, 'second', (bytes) => this.acceptChecksums(bytes))
      case 'signature':
        if (h.name !== SIGNATURE_ENTRY || this.parts.signature !== undefined) return PAUSE
        return this.headEntry(h, SIGNATURE_ENTRY, 'third', (bytes) => {
          this.parts.signature = parseSignature(bytes.toString('utf8'), `${this.label}/${SIGNATURE_ENTRY}`)
        })
      case 'judged':
        return this.payload(h)
    }
  }

  /** A head entry: the regular file `name`, small, collected in memory and handed to `accept`. */
  private headEntry(h: TarEntryHeader, name: string, position: string, accept: (bytes: Buffer) => void): EntrySink {
    if (h.name !== name || (h.type !== 'file' && h.type !== 'contiguous-file')) {
      throw refuse('E_ARCHIVE_LAYOUT', this.label, `${position} entry is "${printable(h.name)}", expected ${name}`)
    }
    const limit = HEAD_LIMITS[name] ?? 0
    if (h.size > limit) {
      throw entryError(
        'E_ARCHIVE_SIZE',
        this.label,
        name,
        `too large (${formatBytes(h.size)}, at most ${formatBytes(limit)})`,
      )
    }
    this.count(name, h.size)
    return collectEntry((bytes) => {
      this.parts.files.push([name, bytes])
      accept(bytes)
    })
  }

  private acceptManifest(bytes: Buffer): void {
    const manifestText = bytes.toString('utf8')
    this.parts.manifestText = manifestText
    this.parts.manifest = parseManifest(manifestText, `${this.label}/${MANIFEST_ENTRY}`)
    this.parts.arch = checkNameAndArch(
      this.label,
      this.label,
      this.parts.manifest,
      this.options.nodeArch ?? process.arch,
    )
    this.stage = 'checksums'
  }

  private acceptChecksums(bytes: Buffer): void {
    const checksums = parseChecksums(bytes.toString('utf8'), `${this.label}/${CHECKSUMS_ENTRY}`)
    for (const own of [CHECKSUMS_ENTRY, SIGNATURE_ENTRY]) {
      if (checksums.has(own)) throw refuse('E_ARCHIVE_LAYOUT', this.label, `${CHECKSUMS_ENTRY} must not list ${own}`)
    }
    const manifestSha = crypto.hash('sha256', this.parts.files[0]?.[1] ?? '', 'hex')
    const listed = checksums.get(MANIFEST_ENTRY)
    if (listed === undefined)
      throw entryError('E_ARCHIVE_UNLISTED', this.label, MANIFEST_ENTRY, `not listed in ${CHECKSUMS_ENTRY}`)
    if (listed !== manifestSha) throw mismatch(this.label, MANIFEST_ENTRY, listed, manifestSha)
    this.parts.checksumsBytes = bytes
    this.parts.checksums = checksums
    this.stage = 'signature'
  }

  /** The head is complete: the caller judges it (trust, conflicts), then it is written. */
  private async judgeHead(): Promise<ArchiveHead> {
    const p = this.parts
    if (this.stage === 'manifest') throw refuse('E_ARCHIVE_LAYOUT', this.label, 'empty archive (no manifest.toml)')
    if (this.stage === 'checksums')
      throw refuse('E_ARCHIVE_LAYOUT', this.label, `no ${CHECKSUMS_ENTRY} after ${MANIFEST_ENTRY}`)
    const head: ArchiveHead = {
      manifestText: p.manifestText as string,
      manifest: p.manifest as Manifest,
      arch: p.arch as string,
      checksumsBytes: p.checksumsBytes as Buffer,
      checksums: p.checksums as ReadonlyMap<string, string>,
      signature: p.signature ?? null,
    }
    try {
      await this.options.onHead?.(head)
    } catch (error) {
      this.callerError = true
      throw error
    }
    for (const [name, bytes] of p.files) this.writeHeadFile(name, bytes)
    this.stage = 'judged'
    this.head = head
    return head
  }

  private writeHeadFile(name: string, bytes: Buffer): void {
    const sink = this.writer.openFile(name, 0o644)
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

  private payload(h: TarEntryHeader): EntrySink | undefined {
    const {label, writer} = this
    const head = this.head as ArchiveHead
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
    const isFile = type === 'file' || type === 'contiguous-file'
    this.count(h.name, isFile ? h.size : 0)
    const expected = head.checksums.get(rel)
    const {mode, stripped} = safeMode(h.mode)
    if (stripped && (isFile || type === 'directory')) {
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
        return {
          write: (data) => sink.write(data),
          end: () => {
            const sha = sink.close()
            this.sink = undefined
            if (sha !== expected) throw mismatch(label, h.name, expected, sha)
          },
        }
      }
      case 'directory':
        if (expected !== undefined) {
          throw entryError('E_ARCHIVE_LAYOUT', label, h.name, `is a directory but listed in ${CHECKSUMS_ENTRY}`)
        }
        writer.directory(rel, mode)
        this.seenDirs.add(rel)
        return undefined
      case 'symlink':
        checkSymlinkTarget(label, rel, h.linkname ?? '')
        writer.symlink(rel, h.linkname ?? '')
        return undefined
      case 'link': {
        const target = checkHardlinkTarget(label, rel, h.linkname ?? '')
        if (expected === undefined) {
          throw entryError('E_ARCHIVE_UNLISTED', label, h.name, `not listed in ${CHECKSUMS_ENTRY}`)
        }
        const sha = writer.hardlink(rel, target)
        if (sha !== expected) throw mismatch(label, h.name, expected, sha)
        return undefined
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        throw entryError(
          'E_ARCHIVE_TYPE',
          label,
          h.name,
          `${type} entries are not allowed (a package holds files, directories and links)`,
        )
      default:
        throw entryError(
          'E_ARCHIVE_TYPE',
          label,
          h.name,
          'unsupported entry type (sockets and special files are not allowed)',
        )
    }
  }

  /** Everything listed arrived; listed symlinks lead to a file with that content; no link escapes. */
  private verifyComplete(head: ArchiveHead): void {
    const {writer} = this
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
