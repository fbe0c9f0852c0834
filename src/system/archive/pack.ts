import crypto from 'node:crypto'
import {once} from 'node:events'
import fs from 'node:fs'
import path from 'node:path'

import type {Arch, Manifest} from '@niso/plugin-sdk'

import {NisoError, messageOf} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {hostArch, manifestWithArch} from '../../core/package/arch.js'
import {checkManifestFiles} from '../../core/package/check-files.js'
import {binaryTarget} from '../../core/package/entrypoint.js'
import {
  CHECKSUMS_ENTRY,
  type ChecksumEntry,
  MANIFEST_ENTRY,
  SIGNATURE_ENTRY,
  packageFileName,
  renderChecksums,
} from '../../core/package/format.js'
import {archiveMtime} from '../../core/package/reproducible.js'
import {FileSelector, type SourceEntry, sortEntries} from '../../core/package/select-files.js'
import {type SecretKey, signMessage} from '../../core/package/signing.js'
import {readSecretKey} from '../keys.js'
import {
  BLOCK_ENTRIES,
  type PackEntry,
  type PassOneJob,
  blockCount,
  drainBlocks,
  newPassOneJob,
  openEntry,
  readExactly,
  writeHeader,
} from './hash-blocks.js'
import {HashHelper} from './hash-helper.js'
import {END_OF_ARCHIVE, SlabWriter, headerBytes, paddingOf} from './tar-writer.js'
import {walkTree} from './walk.js'
import {WRITE_CHUNK, createCompressor} from './zstd.js'

/**
 * `niso pack`: source directory → `<name>-<version>-<arch>.niso`.
 *
 * The head (manifest.toml, checksums.sha256, signature.ed25519) must come first in ONE zstd frame
 * (see zstd.ts), yet it depends on the hash of every file, so packing runs in two passes:
 *  1. read every file once and hash it, on two threads (hash-blocks.ts). The tar bytes of the
 *     first ARENA_BYTES are kept in a shared arena as they are read; later files are only hashed;
 *  2. compress the head, then the payload: kept blocks from the arena, the others read again
 *     (refusing files that changed), in reused WRITE_CHUNK pieces. libzstd compresses on two
 *     threads of its own while this thread prepares the next piece.
 * Memory stays bounded (arena + a few chunks + zstd state) whatever the tree size. The package is
 * written to a temp file in the output directory and renamed: never a partial .niso.
 */
const ARENA_BYTES = 24 * 1024 * 1024
/** Below this many files a helper thread costs more than it saves. */
const PARALLEL_MIN_FILES = 256

export const IGNORE_FILE = '.nisoignore'

export interface PackRequest {
  /** Source directory, holding manifest.toml. */
  readonly dir: string
  readonly outputDir: string
  readonly binary?: string | undefined
  readonly signKey?: string | undefined
  readonly level: number
  readonly sourceDateEpoch?: string | undefined
  /** Only the file list is wanted (--list): no helper thread. */
  readonly listOnly?: boolean
  /** A helper thread the caller started early (before loading this module); else one is started here. */
  readonly helper?: HashHelper | undefined
}

export interface PackPlan {
  readonly manifest: Manifest
  /** The manifest.toml that goes into the archive (with arch added when it had none). */
  readonly manifestText: string
  readonly arch: Arch
  readonly fileName: string
  /** Payload entries in archive order. */
  readonly entries: readonly PackEntry[]
  readonly warnings: readonly string[]
  readonly mtime: number
  /** The pass-1 helper thread, started before the walk so it is ready when hashing begins. */
  readonly helper?: HashHelper
}

export type {PackEntry}

export interface PackResult {
  readonly path: string
  readonly size: number
  /** Regular files in the payload (lines of checksums.sha256 besides manifest.toml), as inspect counts them. */
  readonly files: number
  readonly sha256: string
  readonly keyId: string | null
}

export async function planPack(req: PackRequest): Promise<PackPlan> {
  const helper = req.listOnly ? req.helper : (req.helper ?? HashHelper.start())
  try {
    return planWith(req, helper)
  } catch (error) {
    helper?.release()
    throw error
  }
}

function planWith(req: PackRequest, started: HashHelper | undefined): PackPlan {
  const mtime = archiveMtime(req.sourceDateEpoch)
  const text = readManifestText(req.dir)
  const manifest = parseManifest(text, MANIFEST_ENTRY)
  const arch = manifest.package.arch ?? hostArch(process.arch)
  const manifestText = manifest.package.arch ? text : manifestWithArch(text, arch, MANIFEST_ENTRY)
  const packed = manifestText === text ? manifest : parseManifest(manifestText, MANIFEST_ENTRY)
  if (packed.package.arch !== arch) {
    throw new NisoError('E_PACK_ARCH', `${MANIFEST_ENTRY}: could not add the arch; set [package].arch = "${arch}"`)
  }

  const exclude: string[] = []
  if (req.signKey) {
    const rel = path.relative(req.dir, path.resolve(req.signKey))
    if (rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)) exclude.push(rel.split(path.sep).join('/'))
  }
  const selector = new FileSelector({include: manifest.copy?.include, ignoreText: readIgnoreText(req.dir), exclude})
  const walked = walkTree(req.dir, (d) => selector.descend(d))
  const selected = selectAndCheck(req, manifest, packed, selector, walked)
  let helper = started
  if (helper && (req.listOnly || selected.entries.filter((e) => e.kind === 'file').length < PARALLEL_MIN_FILES)) {
    helper.release()
    helper = undefined
  }
  return {...selected, manifestText, arch, mtime, ...(helper ? {helper} : {})}
}

function selectAndCheck(
  req: PackRequest,
  manifest: Manifest,
  packed: Manifest,
  selector: FileSelector,
  walked: SourceEntry[],
): Pick<PackPlan, 'manifest' | 'fileName' | 'entries' | 'warnings'> {
  const arch = packed.package.arch as Arch

  let binary: {target: string; source: string} | undefined
  if (req.binary !== undefined)
    binary = {target: binaryTarget(manifest, MANIFEST_ENTRY), source: checkBinary(req.binary)}
  const selection = selector.select(walked, binary ? [binary.target] : [])

  const entries = new Map<string, PackEntry>()
  for (const e of selection.entries) entries.set(e.path, toPackEntry(req.dir, e))
  if (binary) {
    const existing = entries.get(binary.target)
    if (existing?.kind === 'dir') {
      throw new NisoError('E_PACK_BINARY', `--binary: ${binary.target} is a directory in the source tree`)
    }
    entries.set(binary.target, {path: binary.target, kind: 'file', source: binary.source, mode: 0o755})
    const parts = binary.target.split('/')
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/')
      if (!entries.has(dir)) entries.set(dir, {path: dir, kind: 'dir'})
    }
  }
  const sorted = binary ? sortEntries([...entries.values()]) : [...entries.values()]
  checkManifestFiles(packed, new Set(sorted.filter((e) => e.kind !== 'dir').map((e) => e.path)), MANIFEST_ENTRY)
  return {
    manifest: packed,
    fileName: packageFileName(packed.package.name, packed.package.version, arch),
    entries: sorted,
    warnings: selection.warnings,
  }
}

export async function writePackage(plan: PackPlan, req: PackRequest): Promise<PackResult> {
  try {
    const key = req.signKey === undefined ? undefined : await readSecretKey(req.signKey)
    const job = newPassOneJob(plan.entries, plan.mtime, ARENA_BYTES)
    await passOne(plan, job)
    const hashes = Buffer.from(job.hashes.buffer)
    const checksums: ChecksumEntry[] = [{path: MANIFEST_ENTRY, sha256: crypto.hash('sha256', plan.manifestText)}]
    plan.entries.forEach((e, i) => {
      if (e.kind === 'file') checksums.push({path: e.path, sha256: hashes.toString('hex', 32 * i, 32 * i + 32)})
    })
    const head = renderHead(plan, checksums, key)

    await fs.promises.mkdir(req.outputDir, {recursive: true}).catch((error: unknown) => {
      throw new NisoError('E_PACK_OUTPUT', `${req.outputDir}: cannot create the output directory (${messageOf(error)})`)
    })
    const finalPath = path.join(req.outputDir, plan.fileName)
    const tmpPath = path.join(req.outputDir, `.${plan.fileName}.${process.pid}.tmp`)
    const cleanup = (): void => fs.rmSync(tmpPath, {force: true})
    const onSignal = (signal: NodeJS.Signals): void => {
      cleanup()
      process.kill(process.pid, signal)
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    try {
      const written = await compressTo(tmpPath, req.level, head, job)
      // The rename makes the package appear whole or not at all. No fsync: a package is a build
      // output, made again after a power cut, and install verifies every byte of it anyway.
      fs.renameSync(tmpPath, finalPath)
      return {
        path: finalPath,
        size: written.size,
        files: checksums.length - 1,
        sha256: written.sha256,
        keyId: key?.keyId ?? null,
      }
    } catch (error) {
      cleanup()
      if (error instanceof NisoError) throw error
      throw new NisoError('E_PACK_WRITE', `${finalPath}: cannot write the package (${messageOf(error)})`, {
        cause: error,
      })
    } finally {
      process.removeListener('SIGINT', onSignal)
      process.removeListener('SIGTERM', onSignal)
    }
  } finally {
    plan.helper?.release()
  }
}

/** Pass 1 on this thread and, for larger trees, the helper started by planPack. */
async function passOne(plan: PackPlan, job: PassOneJob): Promise<void> {
  const helperDone = plan.helper?.run(job)
  // Settles the helper's promise even when this thread fails first (the helper stops then too).
  const helper = helperDone?.then(
    () => undefined,
    (error: unknown) => error,
  )
  drainBlocks(job)
  const failure = await helper
  if (failure !== undefined) throw failure
}

function renderHead(plan: PackPlan, checksums: ChecksumEntry[], key: SecretKey | undefined): Buffer {
  const checksumsText = Buffer.from(renderChecksums(checksums))
  const parts: Buffer[] = []
  const add = (name: string, body: Buffer): void => {
    parts.push(headerBytes({name, type: 'file', mode: 0o644, size: body.length, mtime: plan.mtime}))
    parts.push(body, Buffer.alloc(paddingOf(body.length)))
  }
  add(MANIFEST_ENTRY, Buffer.from(plan.manifestText))
  add(CHECKSUMS_ENTRY, checksumsText)
  if (key) {
    const {name, version} = plan.manifest.package
    add(SIGNATURE_ENTRY, Buffer.from(signMessage(key, checksumsText, `niso ${name} ${version} ${plan.arch}`)))
  }
  return Buffer.concat(parts)
}

/**
 * Pass 2: head and payload → zstd → temp file, hashing the compressed bytes on the way. Every
 * write is a flush point of the compressor, so the pieces must be a pure function of the input:
 * the head, then the payload cut in WRITE_CHUNK pieces, whichever thread read what.
 */
async function compressTo(
  file: string,
  level: number,
  head: Buffer,
  job: PassOneJob,
): Promise<{size: number; sha256: string}> {
  const handle = await fs.promises.open(file, 'wx', 0o644)
  const z = createCompressor(level)
  const outHash = crypto.createHash('sha256')
  let size = 0
  const consume = (async () => {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      outHash.update(chunk)
      size += chunk.length
      let off = 0
      while (off < chunk.length) off += (await handle.write(chunk, off)).bytesWritten
    }
  })()
  // Pieces come back once the compressor has taken them in: a few buffers serve any size.
  const spare: Buffer[] = []
  const send = async (chunk: Buffer, reuse: boolean): Promise<void> => {
    if (!z.write(chunk, () => reuse && spare.push(chunk))) await once(z, 'drain')
  }
  const produce = async (): Promise<void> => {
    await send(head, false)
    const arena = Buffer.from(job.arena)
    const slabs = new SlabWriter(WRITE_CHUNK, () => spare.pop() ?? Buffer.allocUnsafeSlow(WRITE_CHUNK))
    const flush = async (): Promise<void> => {
      for (const chunk of slabs.take()) await send(chunk, true)
    }
    for (let b = 0; b < blockCount(job); b++) {
      const at = job.blockOffsets[b] as number
      if (at >= 0) slabs.write(arena.subarray(at, at + (job.blockLengths[b] as number)))
      else await rereadBlock(job, b, slabs, flush)
      await flush()
    }
    slabs.write(END_OF_ARCHIVE)
    for (const chunk of slabs.finish()) await send(chunk, false)
    z.end()
  }
  try {
    await Promise.all([
      produce().catch((error: unknown) => {
        z.destroy(error as Error)
        throw error
      }),
      consume,
    ])
  } finally {
    await handle.close()
  }
  return {size, sha256: outHash.digest('hex')}
}

/** Pass 2 for a block pass 1 did not keep: headers, and files read again, refused if they changed. */
async function rereadBlock(
  job: PassOneJob,
  block: number,
  slabs: SlabWriter,
  flush: () => Promise<void>,
): Promise<void> {
  const end = Math.min(job.entries.length, (block + 1) * BLOCK_ENTRIES)
  const header = Buffer.alloc(64 * 1024)
  for (let i = block * BLOCK_ENTRIES; i < end; i++) {
    const e = job.entries[i] as PackEntry
    slabs.write(header.subarray(0, writeHeader(job, i, header, 0)))
    if (e.kind !== 'file') continue
    const size = job.sizes[i] as number
    const fd = openEntry(e)
    try {
      const st = fs.fstatSync(fd)
      if (st.size !== size || st.mtimeMs !== job.mtimes[i] || st.ino !== job.inodes[i]) {
        throw new NisoError('E_PACK_CHANGED', `${e.path}: changed while packing`)
      }
      for (let position = 0; position < size;) {
        const {buffer, offset, length} = slabs.space()
        const n = readExactly(fd, e, buffer, offset, Math.min(length, size - position), position)
        slabs.commit(n)
        position += n
        await flush()
      }
      slabs.zeros(paddingOf(size))
    } finally {
      fs.closeSync(fd)
    }
  }
}

function toPackEntry(root: string, e: SourceEntry): PackEntry {
  if (e.kind === 'file') return {path: e.path, kind: 'file', source: `${root}/${e.path}`}
  if (e.kind === 'symlink') return {path: e.path, kind: 'symlink', linkTarget: e.linkTarget ?? ''}
  return {path: e.path, kind: 'dir'}
}

function readManifestText(dir: string): string {
  const file = path.join(dir, MANIFEST_ENTRY)
  try {
    return fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NisoError(
        'E_PACK_NO_MANIFEST',
        `${file}: not found (run "niso init", or pack in the directory that holds manifest.toml)`,
      )
    }
    throw new NisoError('E_PACK_READ', `${file}: cannot read (${messageOf(error)})`)
  }
}

function readIgnoreText(dir: string): string {
  try {
    return fs.readFileSync(path.join(dir, IGNORE_FILE), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    throw new NisoError('E_PACK_READ', `${IGNORE_FILE}: cannot read (${messageOf(error)})`)
  }
}

function checkBinary(file: string): string {
  const abs = path.resolve(file)
  let st: fs.Stats
  try {
    st = fs.statSync(abs)
  } catch (error) {
    throw new NisoError('E_PACK_BINARY', `--binary ${file}: ${messageOf(error)}`)
  }
  if (!st.isFile()) throw new NisoError('E_PACK_BINARY', `--binary ${file}: not a regular file`)
  return fs.realpathSync(abs)
}
