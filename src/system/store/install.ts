import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import type {TrustDecision} from '../../core/package/trust.js'
import {extractArchive} from '../archive/extract.js'
import {fsyncDir} from '../state/durable.js'
import {readState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {type PackageRecord, getPackage, insertPackage} from '../state/packages-repo.js'
import {preloadSqlJs} from '../state/sqljs.js'
import {hashFile} from './hash-file.js'
import {archivePath, ownedName, packageDir, removeDeadOwned, trashDir} from './layout.js'
import {withStore} from './store-tx.js'
import {syncTree} from './sync.js'
import {trustJudge} from './trust-judge.js'

/**
 * `niso install` / `niso import`: verify and extract a .niso into a staging dir, make it durable,
 * then, under the state lock, rename it to packages/<name>/<version>/, move the verbatim archive
 * copy into archives/, and commit the DB row last. A crash at any point leaves the previous state
 * (plus garbage that the next store change sweeps) or the new one, never a half.
 */
export interface InstallOptions {
  /** Public key files given with --verify-key, trusted on top of <etc>/trusted-keys/*.pub. */
  readonly verifyKeys?: readonly string[]
  readonly allowUnsigned?: boolean
  readonly maxUnpackedBytes?: number
  readonly onWarning?: (message: string) => void
  readonly nodeArch?: string
  /** Recorded in the event history. */
  readonly via?: 'install' | 'import'
}

/** The installed package's record (without its manifest, labels and time), and where it lives. */
export interface InstallResult extends Omit<PackageRecord, 'manifest' | 'labels' | 'installedAt'> {
  readonly status: 'installed' | 'unchanged'
  readonly path: string
}

export async function installPackage(
  paths: NisoPaths,
  file: string,
  options: InstallOptions = {},
): Promise<InstallResult> {
  const label = path.basename(file)
  const judgeTrust = await trustJudge(paths.trustedKeys, label, options)
  // Compile sql.js's WASM in the background while the archive streams; the commit needs it.
  preloadSqlJs({ahead: true})
  // Leftovers of crashed runs that need no lock to recognise: their owners are gone.
  removeDeadOwned(paths.staging)
  removeDeadOwned(trashDir(paths))
  removeDeadOwned(paths.archives, (n) => n.startsWith('.tmp-'))
  let decision: TrustDecision | undefined

  const headOptions = options.nodeArch === undefined ? {} : {nodeArch: options.nodeArch}

  for (const dir of [paths.staging, paths.archives]) fs.mkdirSync(dir, {recursive: true})
  const staging = path.join(paths.staging, ownedName())
  const archiveTmp = path.join(paths.archives, `.tmp-${ownedName()}.niso`)
  const cleanup = (): void => {
    fs.rmSync(staging, {recursive: true, force: true})
    fs.rmSync(archiveTmp, {force: true})
  }

  const extracted = await extractArchive(file, {
    ...headOptions,
    target: staging,
    copyTo: archiveTmp,
    ...(options.maxUnpackedBytes === undefined ? {} : {maxUnpackedBytes: options.maxUnpackedBytes}),
    ...(options.onWarning === undefined ? {} : {onWarning: options.onWarning}),
    onHead: async (head) => {
      decision = judgeTrust(head)
      // Installed already? Only then is the DB consulted before extracting (its dir exists).
      const {name, version} = head.manifest.package
      if (!fs.existsSync(packageDir(paths, name, version))) return
      const {sha256} = await hashFile(file)
      const row = await readState(paths, (db) => getPackage(db, name, version))
      if (row && row.sha256 === sha256) throw new AlreadyInstalled(row)
      if (row) throw conflict(row, sha256)
    },
  }).catch((error: unknown) => {
    if (error instanceof AlreadyInstalled) return error.row
    throw error
  })
  if (!('head' in extracted)) return resultOf(extracted, 'unchanged', paths)
  const sha256 = extracted.archiveSha256
  const size = extracted.archiveSize
  try {
    syncTree(staging)
    const {manifest, manifestText, arch} = extracted.head
    const {name, version} = manifest.package
    const trust = decision as TrustDecision
    const record: PackageRecord = {
      name,
      version,
      arch,
      sha256,
      size,
      unpackedSize: extracted.unpackedBytes,
      fileCount: extracted.fileCount,
      signedBy: trust.trust === 'verified' ? trust.keyId : null,
      trust: trust.trust,
      manifest: manifestText,
      labels: manifest.labels ?? {},
      installedAt: new Date().toISOString(),
    }
    return await withStore(
      paths,
      (db) => {
        const row = getPackage(db, name, version)
        if (row) {
          if (row.sha256 !== sha256) throw conflict(row, sha256)
          cleanup()
          return resultOf(row, 'unchanged', paths)
        }
        const dest = packageDir(paths, name, version)
        const archive = archivePath(paths, name, version)
        fs.mkdirSync(path.dirname(dest), {recursive: true})
        fs.mkdirSync(path.dirname(archive), {recursive: true})
        fs.renameSync(staging, dest)
        try {
          fs.renameSync(archiveTmp, archive)
          fsyncDir(path.dirname(dest))
          fsyncDir(path.dirname(archive))
          insertPackage(db, record)
          recordEvent(db, {
            kind: options.via ?? 'install',
            name,
            version,
            detail: {sha256, trust: record.trust, signedBy: record.signedBy},
          })
        } catch (error) {
          fs.rmSync(dest, {recursive: true, force: true})
          fs.rmSync(archive, {force: true})
          throw error
        }
        return resultOf(record, 'installed', paths)
      },
      `niso ${options.via ?? 'install'} ${label}`,
    )
  } finally {
    cleanup()
  }
}

/** Stops extraction at the head: these exact bytes are installed already. */
class AlreadyInstalled extends Error {
  readonly row: PackageRecord
  constructor(row: PackageRecord) {
    super(`${row.name} ${row.version} is already installed`)
    this.row = row
  }
}

function conflict(row: PackageRecord, sha256: string): NisoError {
  return new NisoError(
    'E_VERSION_CONFLICT',
    `${row.name} ${row.version} is already installed with different content (installed sha256 ${row.sha256.slice(0, 12)}…, this file ${sha256.slice(0, 12)}…)`,
    {hint: `bump the version, or remove the installed one first: niso remove ${row.name} ${row.version}`},
  )
}

function resultOf(row: PackageRecord, status: InstallResult['status'], paths: NisoPaths): InstallResult {
  return {
    status,
    name: row.name,
    version: row.version,
    arch: row.arch,
    sha256: row.sha256,
    size: row.size,
    unpackedSize: row.unpackedSize,
    fileCount: row.fileCount,
    signedBy: row.signedBy,
    trust: row.trust,
    path: packageDir(paths, row.name, row.version),
  }
}
