import type {NisoPaths} from '../../core/paths.js'
import {type StateDb, openDb} from './open.js'

/**
 * Reads the last committed state without locking: the file is only ever replaced by rename, so a
 * reader sees one whole version of it. A missing file reads as an empty, migrated database.
 */
export async function readState<T>(paths: NisoPaths, fn: (db: StateDb) => T | Promise<T>): Promise<T> {
  const db = await openDb(paths.db, {persistMigrations: false})
  try {
    return await fn(db)
  } finally {
    db.close()
  }
}
