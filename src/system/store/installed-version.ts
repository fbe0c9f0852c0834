import path from 'node:path'

import type {Manifest} from '@niso/plugin-sdk'

import {NisoError} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {type NisoPaths, packageDir} from '../../core/paths.js'
import {readState} from '../state/db.js'
import {type PackageRecord, listPackages} from '../state/packages-repo.js'
import {compareVersions} from './semver.js'

export interface InstalledVersion {
  readonly name: string
  readonly version: string
  /** The package directory on the host. */
  readonly dir: string
  readonly manifest: Manifest
}

/** NAME [VERSION] among the installed packages; without VERSION, the newest. */
export async function installedVersion(paths: NisoPaths, name: string, version?: string): Promise<InstalledVersion> {
  return pickVersion(paths, await readState(paths, (db) => listPackages(db, name)), name, version)
}

/** NAME [VERSION] among the installed versions of NAME (`listPackages(db, name)`, read already). */
export function pickVersion(
  paths: NisoPaths,
  installed: readonly PackageRecord[],
  name: string,
  version?: string,
): InstalledVersion {
  if (installed.length === 0) {
    throw new NisoError('E_NOT_INSTALLED', `${name} is not installed`, {
      hint: `niso install ${name}-<version>-<arch>.niso`,
    })
  }
  const record = version
    ? installed.find((p) => p.version === version)
    : [...installed].sort((a, b) => compareVersions(b.version, a.version))[0]
  if (!record) {
    const have = installed.map((p) => p.version).join(', ')
    throw new NisoError('E_NOT_INSTALLED', `${name} ${version} is not installed (installed: ${have})`)
  }
  const dir = packageDir(paths, record.name, record.version)
  const manifest = parseManifest(record.manifest, path.join(dir, 'manifest.toml'))
  return {name: record.name, version: record.version, dir, manifest}
}
