import fs from 'node:fs'
import path from 'node:path'

import type {NisoPaths} from '../../core/paths.js'
import type {StateDb} from '../state/db.js'
import {getPackage} from '../state/packages-repo.js'
import {archivePath, listInstalledOnDisk, moveToTrash, pruneEmptyParents, removeDeadOwned, trashDir} from './layout.js'

/**
 * Crash recovery, run under the state lock before every store change. The DB row is the truth:
 * a package dir or archive without its row is what a crash between rename and commit (or
 * between a remove's commit and its deletes) leaves, and is removed. Staging dirs, archive temps
 * and trash entries of processes that are gone are removed too; those of live processes are not.
 */
export interface SweepReport {
  readonly orphans: string[]
  readonly leftovers: string[]
}

export function sweepStore(paths: NisoPaths, db: StateDb): SweepReport {
  const orphans: string[] = []
  const leftovers = [
    ...removeDeadOwned(paths.staging),
    ...removeDeadOwned(trashDir(paths)),
    ...removeDeadOwned(paths.archives, (n) => n.startsWith('.tmp-')),
  ]
  const dirs = listInstalledOnDisk(paths.packages, (e) => (e.isDirectory() ? e.name : undefined))
  for (const d of dirs) {
    if (getPackage(db, d.name, d.version)) continue
    const moved = moveToTrash(paths, d.path)
    if (moved) fs.rmSync(moved, {recursive: true, force: true})
    pruneEmptyParents(path.dirname(d.path), paths.packages)
    orphans.push(`${d.name} ${d.version}`)
  }
  const archives = listInstalledOnDisk(paths.archives, (e) =>
    e.isFile() && e.name.endsWith('.niso') ? e.name.slice(0, -'.niso'.length) : undefined,
  )
  for (const a of archives) {
    if (getPackage(db, a.name, a.version)) continue
    fs.rmSync(archivePath(paths, a.name, a.version), {force: true})
    pruneEmptyParents(path.dirname(a.path), paths.archives)
    if (!orphans.includes(`${a.name} ${a.version}`)) orphans.push(`${a.name} ${a.version}`)
  }
  return {orphans, leftovers}
}
