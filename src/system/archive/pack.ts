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
import {archiveMtime, normalizedMode} from '../../core/package/reproducible.js'
import {FileSelector, type SourceEntry, sortEntries} from '../../core/package/select-files.js'
import {type SecretKey, signMessage} from '../../core/package/signing.js'
import {readSecretKey} from '../keys.js'
import {walkTree} from './walk.js'
import {END_OF_ARCHIVE, SlabWriter, type TarHeader, encodeHeader, paddingOf} from './tar-writer.js'
import {createCompressor} from './zstd.js'

/**
 * `niso pack`: source directory → `<name>-<version>-<arch>.niso`.
 *
 * The head (manifest.toml, checksums.sha256, signature.ed25519) must come first in ONE zstd frame,
 * yet it depends on the hash of every file, so packing runs in two passes:
 *  1. read + hash every file once. The payload tar (headers, contents, padding) is laid out in
 *     memory as it is read, up to CACHE_BUDGET bytes; files past the budget are only hashed.
 *  2. compress head + the in-memory payload, then read the remaining files again (checking they did
 *     not change) straight into tar slabs. The compressor works on the thread pool while the main
 *     thread produces the next slab.
 * Memory stays bounded (budget + slabs in flight + zstd state) whatever the tree size. The output
 * is written to a temp file in the output directory, fsynced and renamed: never a partial .niso.
 */
const CACHE_BUDGET = 64 * 1024 * 1024
const SLAB = 4 * 1024 * 1024
const IO_BUFFER = 1024 * 1024

export const IGNORE_FILE = '.nisoignore'

export interface PackRequest {
  /** Source directory, holding manifest.toml. */
  readonly dir: string
  readonly outputDir: string
  readonly binary?: string | undefined
  readonly signKey?: string | undefined
  readonly level: number
  readonly sourceDateEpoch?: string | undefined
}

export interface PackEntry {
  readonly path: string
  readonly kind: 'file' | 'dir' | 'symlink'
  /** Absolute path of the content (files). */
  readonly source?: string
  readonly linkTarget?: string
  /** Forced archive mode (the --binary file: 0755). */
  readonly mode?: number
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
}

export interface PackResult {
  readonly path: string
  readonly size: number
  /** Lines of checksums.sha256: every regular file, manifest.toml included. */
  readonly files: number
  readonly sha256: string
  readonly keyId: string | null
}

export async function planPack(req: PackRequest): Promise<PackPlan> {
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
  const walked = walkSource(req.dir, selector)

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
  const sorted = sortEntries([...entries.values()])
  checkManifestFiles(packed, new Set(sorted.filter((e) => e.kind !== 'dir').map((e) => e.path)), MANIFEST_ENTRY)
  return {
    manifest: packed,
    manifestText,
    arch,
    fileName: packageFileName(packed.package.name, packed.package.version, arch),
    entries: sorted,
    warnings: selection.warnings,
    mtime,
  }
}

export async function writePackage(plan: PackPlan, req: PackRequest): Promise<PackResult> {
  const key = req.signKey === undefined ? undefined : await readSecretKey(req.signKey)
  const first = hashPass(plan)
  const head = renderHead(plan, first.checksums, key)

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
    const written = await compressTo(tmpPath, plan, req.level, head, first)
    fs.renameSync(tmpPath, finalPath)
    syncDir(req.outputDir)
    return {
      path: finalPath,
      size: written.size,
      files: first.checksums.length,
      sha256: written.sha256,
      keyId: key?.keyId ?? null,
    }
  } catch (error) {
    cleanup()
    if (error instanceof NisoError) throw error
    throw new NisoError('E_PACK_WRITE', `${finalPath}: cannot write the package (${messageOf(error)})`, {cause: error})
  } finally {
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

interface FileFacts {
  size: number
  mode: number
  mtimeMs: number
  ino: number
}

interface HashPass {
  checksums: ChecksumEntry[]
  /** Payload tar of entries[0 .. cachedUntil), already laid out. */
  cached: Buffer[]
  cachedUntil: number
  facts: Map<string, FileFacts>
}

/** Pass 1: hash every file (one read each) and lay out the payload tar while it fits the budget. */
function hashPass(plan: PackPlan): HashPass {
  const checksums: ChecksumEntry[] = [{path: MANIFEST_ENTRY, sha256: crypto.hash('sha256', plan.manifestText)}]
  const facts = new Map<string, FileFacts>()
  const slabs = new SlabWriter(SLAB)
  let io: Buffer | undefined
  let cachedUntil = plan.entries.length
  for (let i = 0; i < plan.entries.length; i++) {
    const e = plan.entries[i] as PackEntry
    const caching = i < cachedUntil
    if (e.kind !== 'file') {
      if (caching) slabs.write(encodeHeader(headerOf(e, plan.mtime)))
      continue
    }
    const fd = openFile(e)
    try {
      const st = fs.fstatSync(fd)
      if (!st.isFile()) throw new NisoError('E_PACK_CHANGED', `${e.path}: is no longer a regular file`)
      const f = {size: st.size, mode: e.mode ?? normalizedMode('file', st.mode), mtimeMs: st.mtimeMs, ino: st.ino}
      facts.set(e.path, f)
      if (caching && slabs.total + BLOCK_OVERHEAD + f.size > CACHE_BUDGET) cachedUntil = i
      let sha256: string
      if (i < cachedUntil) {
        slabs.write(encodeHeader(fileHeader(e, f, plan.mtime)))
        sha256 = readInto(fd, e, f.size, slabs)
        slabs.zeros(paddingOf(f.size))
      } else {
        io ??= Buffer.allocUnsafe(IO_BUFFER)
        sha256 = hashFile(fd, e, f.size, io)
      }
      checksums.push({path: e.path, sha256})
    } finally {
      fs.closeSync(fd)
    }
  }
  return {checksums, cached: slabs.finish(), cachedUntil, facts}
}

const BLOCK_OVERHEAD = 1024

/** Reads a file's `size` bytes into the slabs (no extra copy) and returns its SHA-256. */
function readInto(fd: number, e: PackEntry, size: number, slabs: SlabWriter): string {
  const first = slabs.space()
  if (size <= first.length) {
    readFully(fd, e, first.buffer, first.offset, size, 0)
    const sha256 = crypto.hash('sha256', first.buffer.subarray(first.offset, first.offset + size))
    slabs.commit(size)
    return sha256
  }
  const hash = crypto.createHash('sha256')
  let position = 0
  while (position < size) {
    const {buffer, offset, length} = slabs.space()
    const n = readFully(fd, e, buffer, offset, Math.min(size - position, length), position)
    hash.update(buffer.subarray(offset, offset + n))
    slabs.commit(n)
    position += n
  }
  return hash.digest('hex')
}

function hashFile(fd: number, e: PackEntry, size: number, io: Buffer): string {
  const hash = crypto.createHash('sha256')
  let position = 0
  while (position < size) {
    const n = readFully(fd, e, io, 0, Math.min(io.length, size - position), position)
    hash.update(io.subarray(0, n))
    position += n
  }
  return hash.digest('hex')
}

/** Reads exactly `length` bytes or fails: a file that shrinks while packing is an error. */
function readFully(fd: number, e: PackEntry, buf: Buffer, offset: number, length: number, position: number): number {
  let done = 0
  while (done < length) {
    const n = fs.readSync(fd, buf, offset + done, length - done, position + done)
    if (n === 0) throw new NisoError('E_PACK_CHANGED', `${e.path}: changed while packing (it got shorter)`)
    done += n
  }
  return done
}

function openFile(e: PackEntry): number {
  try {
    return fs.openSync(e.source as string, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  } catch (error) {
    throw new NisoError('E_PACK_READ', `${e.path}: cannot read (${messageOf(error)})`)
  }
}

function renderHead(plan: PackPlan, checksums: ChecksumEntry[], key: SecretKey | undefined): Buffer {
  const checksumsText = Buffer.from(renderChecksums(checksums))
  const parts: Buffer[] = []
  const add = (name: string, body: Buffer): void => {
    parts.push(encodeHeader({name, type: 'file', mode: 0o644, size: body.length, mtime: plan.mtime}))
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

/** Pass 2: head + payload → zstd → temp file, hashing the compressed bytes on the way. */
async function compressTo(
  file: string,
  plan: PackPlan,
  level: number,
  head: Buffer,
  first: HashPass,
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
  const feed = async (chunk: Buffer): Promise<void> => {
    if (!z.write(chunk)) await once(z, 'drain')
  }
  const produce = async (): Promise<void> => {
    await feed(head)
    for (const slab of first.cached.splice(0)) await feed(slab)
    const slabs = new SlabWriter(SLAB)
    for (let i = first.cachedUntil; i < plan.entries.length; i++) {
      const e = plan.entries[i] as PackEntry
      if (e.kind !== 'file') {
        slabs.write(encodeHeader(headerOf(e, plan.mtime)))
      } else {
        await copyFile(e, first.facts.get(e.path) as FileFacts, plan.mtime, slabs, feed)
      }
      for (const slab of slabs.take()) await feed(slab)
    }
    slabs.write(END_OF_ARCHIVE)
    for (const slab of slabs.finish()) await feed(slab)
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
    await handle.sync()
  } finally {
    await handle.close()
  }
  return {size, sha256: outHash.digest('hex')}
}

/** Pass 2 for a file past the budget: read again straight into slabs, refusing if it changed. */
async function copyFile(
  e: PackEntry,
  before: FileFacts,
  mtime: number,
  slabs: SlabWriter,
  feed: (chunk: Buffer) => Promise<void>,
): Promise<void> {
  const fd = openFile(e)
  try {
    const st = fs.fstatSync(fd)
    if (st.size !== before.size || st.mtimeMs !== before.mtimeMs || st.ino !== before.ino) {
      throw new NisoError('E_PACK_CHANGED', `${e.path}: changed while packing`)
    }
    slabs.write(encodeHeader(fileHeader(e, before, mtime)))
    let position = 0
    while (position < before.size) {
      const {buffer, offset, length} = slabs.space()
      const n = readFully(fd, e, buffer, offset, Math.min(length, before.size - position), position)
      slabs.commit(n)
      position += n
      for (const slab of slabs.take()) await feed(slab)
    }
    slabs.zeros(paddingOf(before.size))
  } finally {
    fs.closeSync(fd)
  }
}

function headerOf(e: PackEntry, mtime: number): TarHeader {
  if (e.kind === 'dir') return {name: `${e.path}/`, type: 'directory', mode: 0o755, size: 0, mtime}
  return {name: e.path, type: 'symlink', mode: 0o777, size: 0, mtime, linkname: e.linkTarget ?? ''}
}

function fileHeader(e: PackEntry, f: FileFacts, mtime: number): TarHeader {
  return {name: e.path, type: 'file', mode: f.mode, size: f.size, mtime}
}

function toPackEntry(root: string, e: SourceEntry): PackEntry {
  if (e.kind === 'file') return {path: e.path, kind: 'file', source: path.join(root, e.path)}
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

function walkSource(dir: string, selector: FileSelector): SourceEntry[] {
  return walkTree(dir, (d) => selector.descend(d))
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
  return abs
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
