import fs from 'node:fs'
import path from 'node:path'

import type {Database} from 'sql.js'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {acquireLock, cleanLockLeftovers} from './lock.js'
import {isAlive, parseTag} from './process-identity.js'
import {fsyncDir, writeFileDurable} from './durable.js'
import {type StateDb, openDb} from './open.js'
import {listPackagesWithStatus} from './packages-repo.js'
import {sha256Of, summaryIsCurrent, writeSummary} from './summary.js'

/**
 * The state database: one SQLite file (sql.js, in memory) at `paths.db`.
 *
 * Writers go through `withState`: take the exclusive lock, load the file, run `fn`, and if it
 * returns, export and replace the file atomically (temp, fsync, rename, fsync dir): that rename
 * is the commit. If `fn` throws, nothing is written. Readers go through `readState`, take no lock
 * and see the last committed file, whole.
 */
export type {StateDb} from './open.js'
export {readState} from './read.js'

export interface StateTx {
  /** Runs after the commit, still under the lock (e.g. deleting files a removed row pointed at). */
  afterCommit(action: () => void | Promise<void>): void
}

let insideWrite = false

export async function withState<T>(
  paths: NisoPaths,
  fn: (db: StateDb, tx: StateTx) => T | Promise<T>,
  options: {command?: string} = {},
): Promise<T> {
  if (insideWrite) throw new Error('withState: nested state writes would deadlock')
  insideWrite = true
  try {
    fs.mkdirSync(paths.state, {recursive: true})
    const lock = await acquireLock(lockFile(paths), options.command === undefined ? {} : {command: options.command})
    try {
      cleanStrayTemps(paths)
      const db = await openDb(paths.db, {persistMigrations: true})
      const after: Array<() => void | Promise<void>> = []
      try {
        const result = await fn(db, {afterCommit: (action) => after.push(action)})
        // total_changes() counts every row written through this (fresh) connection.
        let dbSha256 = db.loadedSha256
        if (db.changed || totalChanges(db) > 0) dbSha256 = commit(db, paths.db)
        if (dbSha256 !== '' && !summaryIsCurrent(paths, dbSha256)) {
          writeSummary(
            paths,
            dbSha256,
            listPackagesWithStatus(db).map(({manifest: _m, ...p}) => p),
          )
        }
        for (const action of after) await action()
        return result
      } finally {
        db.close()
      }
    } finally {
      lock.release()
    }
  } finally {
    insideWrite = false
  }
}

export function lockFile(paths: NisoPaths): string {
  return `${paths.db}.lock`
}

function totalChanges(db: Database): number {
  return Number(db.exec('SELECT total_changes()')[0]?.values[0]?.[0] ?? 0)
}

/** Replaces the DB file with the in-memory DB; returns the sha256 of what was written. */
function commit(db: Database, file: string): string {
  try {
    const bytes = db.export()
    writeFileDurable(file, bytes, 0o644)
    return sha256Of(bytes)
  } catch (error) {
    throw new NisoError('E_STATE', `${file}: cannot write the state database (${messageOf(error)})`)
  }
}

/** Temp files of the DB are only written under the lock: any found by the lock holder is stray. */
function cleanStrayTemps(paths: NisoPaths): void {
  const base = path.basename(paths.db)
  let removed = false
  for (const name of fs.readdirSync(paths.state)) {
    const m = new RegExp(`^\\.${base.replace(/\./g, '\\.')}\\.(\\d+-\\d*)\\.[0-9a-f]+\\.tmp$`).exec(name)
    if (!m) continue
    const tag = parseTag(m[1] as string)
    if (tag && isAlive(tag) && tag.pid === process.pid) continue
    fs.rmSync(path.join(paths.state, name), {force: true})
    removed = true
  }
  for (const name of fs.readdirSync(paths.state)) {
    if (name.startsWith(`${base}.summary.json.`) && name.endsWith('.tmp'))
      fs.rmSync(path.join(paths.state, name), {force: true})
  }
  if (removed) fsyncDir(paths.state)
  cleanLockLeftovers(lockFile(paths))
}
