import crypto from 'node:crypto'
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
import {type PackEntry, writePayload} from './pack-payload.js'
import {paddingOf} from './tar-format.js'
import {headerBytes} from './tar-writer.js'
import {walkTree} from './walk.js'
import {compressFrame} from './zstd.js'
import {writeAllSync} from '../write-all.js'

/**
 * `niso pack`: source directory → `<name>-<version>-<arch>.niso`, in one pass over the files.
 *
 * A package is two zstd frames: the head (manifest.toml, checksums.sha256, signature.ed25519),
 * then the payload. The head needs the hash of every file, so the payload is compressed first,
 * each file read once and hashed as it goes into the stream (pack-payload.ts), into an unlinked
 * temp file; then the head is compressed as a frame of its own and written first, the payload
 * frame copied after it. The package is written to a temp file in the output directory and
 * renamed: never a partial .niso.
 */
export const IGNORE_FILE = '.nisoignore'
const COPY_CHUNK = 4 * 1024 * 1024

export interface PackRequest {
  /** Source directory, holding manifest.toml. */
  readonly dir: string
  readonly outputDir: string
  readonly binary?: string | undefined
  readonly signKey?: string | undefined
  readonly level: number
  readonly sourceDateEpoch?: string | undefined
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

export type {PackEntry}

export interface PackResult {
  readonly path: string
  readonly size: number
  /** Regular files in the payload (lines of checksums.sha256 besides manifest.toml), as inspect counts them. */
  readonly files: number
  readonly sha256: string
  readonly keyId: string | null
}

export function planPack(req: PackRequest): PackPlan {
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
  return {...selectAndCheck(req, manifest, packed, selector, walked), manifestText, arch, mtime}
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
  const key = req.signKey === undefined ? undefined : await readSecretKey(req.signKey)
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
  let spool: fs.promises.FileHandle | undefined
  let out: number | undefined
  try {
    spool = await openSpool(req.outputDir, plan.fileName)
    const file = (out = fs.openSync(tmpPath, 'wx', 0o644))
    const hash = crypto.createHash('sha256')
    let files = 0
    // Once every file is read (the hashes known), this thread makes the head and writes it first
    // while libzstd compresses the payload's last slabs.
    const payload = await writePayload(plan.entries, plan.mtime, req.level, spool, (hashes) => {
      const checksums = checksumsOf(plan, hashes)
      files = checksums.length - 1
      const head = compressFrame(renderHead(plan, checksums, key), req.level)
      writeAllSync(file, head)
      hash.update(head)
      return head.length
    })
    copyHashed(spool.fd, file, payload.size, hash)
    // The rename makes the package appear whole or not at all. No fsync: a package is a build
    // output, made again after a power cut, and install verifies every byte of it anyway.
    fs.renameSync(tmpPath, finalPath)
    return {
      path: finalPath,
      size: payload.afterReading + payload.size,
      files,
      sha256: hash.digest('hex'),
      keyId: key?.keyId ?? null,
    }
  } catch (error) {
    cleanup()
    if (error instanceof NisoError) throw error
    throw new NisoError('E_PACK_WRITE', `${finalPath}: cannot write the package (${messageOf(error)})`, {
      cause: error,
    })
  } finally {
    if (out !== undefined) fs.closeSync(out)
    await spool?.close()
    process.removeListener('SIGINT', onSignal)
    process.removeListener('SIGTERM', onSignal)
  }
}

/**
 * Where the payload frame is written before it is copied after the head: a file unlinked as soon
 * as it exists, so that whatever ends the process, the kernel reclaims it and nothing is left.
 */
async function openSpool(dir: string, fileName: string): Promise<fs.promises.FileHandle> {
  const spoolPath = path.join(dir, `.spool-${fileName}.${process.pid}.tmp`)
  const spool = await fs.promises.open(spoolPath, 'wx+', 0o600)
  fs.rmSync(spoolPath)
  return spool
}

/** checksums.sha256's lines: manifest.toml and every payload file. */
function checksumsOf(plan: PackPlan, hashes: Buffer): ChecksumEntry[] {
  const checksums: ChecksumEntry[] = [{path: MANIFEST_ENTRY, sha256: crypto.hash('sha256', plan.manifestText)}]
  plan.entries.forEach((e, i) => {
    if (e.kind === 'file') checksums.push({path: e.path, sha256: hashes.toString('hex', 32 * i, 32 * i + 32)})
  })
  return checksums
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

/** Appends `size` bytes of `from` (from its start) to `to`, hashing them. */
function copyHashed(from: number, to: number, size: number, hash: crypto.Hash): void {
  const buffer = Buffer.allocUnsafe(Math.min(COPY_CHUNK, size))
  for (let position = 0; position < size;) {
    const n = fs.readSync(from, buffer, 0, Math.min(buffer.length, size - position), position)
    if (n === 0) throw new Error('the spooled payload ended early')
    const chunk = buffer.subarray(0, n)
    writeAllSync(to, chunk)
    hash.update(chunk)
    position += n
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
