import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import type {StateDb, StateTx} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {type PackageRecord, deletePackage, getPackage} from '../state/packages-repo.js'
import {getService} from '../state/services-repo.js'
import {archivePath, moveToTrash, packageDir, pruneEmptyParents} from './layout.js'
import {withStore} from './store-tx.js'

/**
 * `niso remove NAME VERSION`. The row goes first (that commit is the removal); its files are moved
 * to the trash after the commit, still under the lock, and deleted once the lock is released. A
 * crash in between leaves files without a row, which the next store change sweeps.
 */
export interface RemoveResult {
  readonly name: string
  readonly version: string
  readonly wasActive: boolean
  readonly unpackedSize: number
}

export async function removePackage(
  paths: NisoPaths,
  name: string,
  version: string,
  options: {force?: boolean} = {},
): Promise<RemoveResult> {
  const trash: string[] = []
  const result = await withStore(
    paths,
    (db, tx) => {
      const row = getPackage(db, name, version)
      if (!row) throw notInstalled(name, version)
      const wasActive = getService(db, name)?.currentVersion === version
      if (wasActive && !options.force) {
        throw new NisoError('E_ACTIVE_VERSION', `${name} ${version} is the active version`, {
          hint: `deactivate it or activate another version first, or pass --force`,
        })
      }
      dropPackage(paths, db, tx, row, trash, {kind: 'remove', detail: {forced: wasActive}})
      return {name, version, wasActive, unpackedSize: row.unpackedSize}
    },
    `niso remove ${name} ${version}`,
  )
  emptyTrash(trash)
  return result
}

/** Deletes the row now; after the commit, moves the dir and archive to the trash (list `trash`). */
export function dropPackage(
  paths: NisoPaths,
  db: StateDb,
  tx: StateTx,
  row: PackageRecord,
  trash: string[],
  event: {kind: string; detail?: Record<string, unknown>},
): void {
  deletePackage(db, row.name, row.version)
  recordEvent(db, {kind: event.kind, name: row.name, version: row.version, detail: event.detail ?? {}})
  tx.afterCommit(() => {
    const dir = packageDir(paths, row.name, row.version)
    const archive = archivePath(paths, row.name, row.version)
    for (const target of [dir, archive]) {
      const moved = moveToTrash(paths, target)
      if (moved) trash.push(moved)
    }
    pruneEmptyParents(path.dirname(dir), paths.packages)
    pruneEmptyParents(path.dirname(archive), paths.archives)
  })
}

export function emptyTrash(trash: readonly string[]): void {
  for (const t of trash) fs.rmSync(t, {recursive: true, force: true})
}

export function notInstalled(name: string, version: string): NisoError {
  return new NisoError('E_NOT_INSTALLED', `${name} ${version} is not installed`, {hint: 'see niso list'})
}
