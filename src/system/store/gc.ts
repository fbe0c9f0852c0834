import type {NisoPaths} from '../../core/paths.js'
import {readState} from '../state/db.js'
import {type PackageRecord, listPackages} from '../state/packages-repo.js'
import {type ServiceRecord, listServices} from '../state/services-repo.js'
import {dropPackage, emptyTrash} from './remove.js'
import {compareVersions} from './semver.js'
import {withStore} from './store-tx.js'

/**
 * `niso gc --keep-versions N`: per package, keep the current and previous versions (from the
 * services table) and the N newest others (semver order); remove the rest. `planGc` is pure.
 */
export interface GcVictim {
  readonly name: string
  readonly version: string
  readonly unpackedSize: number
  readonly size: number
}

export function planGc(
  packages: readonly PackageRecord[],
  services: readonly ServiceRecord[],
  keepVersions: number,
): GcVictim[] {
  const byName = new Map<string, PackageRecord[]>()
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p])
  const victims: GcVictim[] = []
  for (const [name, rows] of [...byName].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const service = services.find((s) => s.name === name)
    const pinned = new Set([service?.currentVersion, service?.previousVersion].filter((v) => v != null))
    const others = rows.filter((r) => !pinned.has(r.version)).sort((a, b) => compareVersions(b.version, a.version))
    for (const r of others.slice(keepVersions)) {
      victims.push({name, version: r.version, unpackedSize: r.unpackedSize, size: r.size})
    }
  }
  return victims
}

export interface GcResult {
  readonly dryRun: boolean
  readonly removed: GcVictim[]
  /** Leftovers of crashed installs found and removed ("name version"). */
  readonly swept: string[]
}

export async function collectGarbage(
  paths: NisoPaths,
  options: {keepVersions: number; dryRun?: boolean},
): Promise<GcResult> {
  if (options.dryRun) {
    const removed = await readState(paths, (db) => planGc(listPackages(db), listServices(db), options.keepVersions))
    return {dryRun: true, removed, swept: []}
  }
  const trash: string[] = []
  let swept: string[] = []
  const removed = await withStore(
    paths,
    (db, tx, sweep) => {
      swept = sweep.orphans
      const victims = planGc(listPackages(db), listServices(db), options.keepVersions)
      for (const v of victims) {
        const row = listPackages(db, v.name).find((r) => r.version === v.version) as PackageRecord
        dropPackage(paths, db, tx, row, trash, {kind: 'gc', detail: {keepVersions: options.keepVersions}})
      }
      return victims
    },
    'niso gc',
  )
  emptyTrash(trash)
  return {dryRun: false, removed, swept}
}
