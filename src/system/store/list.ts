import type {NisoPaths} from '../../core/paths.js'
import type {Trust} from '../state/packages-repo.js'
import {type PackageSummary, readSummary} from '../state/summary.js'

/**
 * `niso list`: installed versions with their status (active when a service runs that version),
 * from the state digest when it matches the DB (no sql.js), else from the DB.
 */
export interface ListedPackage {
  readonly name: string
  readonly version: string
  readonly status: 'active' | 'installed'
  readonly arch: string
  readonly size: number
  readonly unpackedSize: number
  readonly signedBy: string | null
  readonly trust: Trust
  readonly installedAt: string
}

export async function listInstalled(paths: NisoPaths): Promise<ListedPackage[]> {
  const digest = readSummary(paths)
  if (digest) return digest.map(listed)
  const [{readState}, {listPackagesWithStatus}] = await Promise.all([
    import('../state/read.js'),
    import('../state/packages-repo.js'),
  ])
  return readState(paths, (db) => listPackagesWithStatus(db).map(listed))
}

function listed(p: PackageSummary): ListedPackage {
  return {
    name: p.name,
    version: p.version,
    status: p.active ? 'active' : 'installed',
    arch: p.arch,
    size: p.size,
    unpackedSize: p.unpackedSize,
    signedBy: p.signedBy,
    trust: p.trust,
    installedAt: p.installedAt,
  }
}
