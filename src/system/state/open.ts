import fs from 'node:fs'

import type {Database} from 'sql.js'

import {NisoError, messageOf} from '../../core/errors.js'
import {MIGRATIONS, SCHEMA_VERSION} from './migrations.js'
import {loadSqlJs} from './sqljs.js'
import {sha256Of} from './summary.js'

/** The state database as sql.js holds it in memory. */
export type StateDb = Database

export interface OpenDb extends Database {
  /** Migrations ran in memory and must be written back. */
  changed: boolean
  /** sha256 of the file as loaded ("" when there was none). */
  readonly loadedSha256: string
}

/** Loads `file` (a missing or empty file is an empty database) and brings its schema up to date. */
export async function openDb(file: string, options: {persistMigrations: boolean}): Promise<OpenDb> {
  let bytes: Buffer | undefined
  try {
    bytes = fs.readFileSync(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new NisoError('E_STATE', `${file}: cannot read the state database (${messageOf(error)})`)
    }
  }
  const SQL = await loadSqlJs()
  const db = Object.assign(new SQL.Database(bytes), {changed: false, loadedSha256: bytes ? sha256Of(bytes) : ''})
  // The header holds user_version: a current file needs no PRAGMA round trip (each new kind of
  // statement costs sql.js ~10 ms of WASM compilation on first use).
  if (headerVersion(bytes) === SCHEMA_VERSION) return db
  try {
    db.changed = migrate(db, file) && options.persistMigrations
  } catch (error) {
    db.close()
    throw error
  }
  return db
}

const MAGIC = Buffer.from('SQLite format 3\0')

/** PRAGMA user_version, read from the file header (offset 60, big-endian), if it is a SQLite file. */
function headerVersion(bytes: Buffer | undefined): number | undefined {
  if (!bytes || bytes.length < 100 || !bytes.subarray(0, 16).equals(MAGIC)) return undefined
  return bytes.readUInt32BE(60)
}

/** Brings the schema to SCHEMA_VERSION; returns whether anything ran. */
export function migrate(db: Database, file: string): boolean {
  let current: number
  try {
    current = Number(db.exec('PRAGMA user_version')[0]?.values[0]?.[0] ?? 0)
  } catch (error) {
    throw new NisoError('E_STATE', `${file}: not a readable state database (${messageOf(error)})`)
  }
  if (current > SCHEMA_VERSION) {
    throw new NisoError(
      'E_STATE',
      `${file}: schema version ${current} is newer than this niso understands (${SCHEMA_VERSION})`,
      {hint: 'upgrade niso'},
    )
  }
  const pending = MIGRATIONS.filter((m) => m.version > current)
  for (const m of pending) {
    try {
      db.exec(`BEGIN; ${m.sql}; PRAGMA user_version = ${m.version}; COMMIT;`)
    } catch (error) {
      try {
        db.exec('ROLLBACK')
      } catch {
        // no transaction left open
      }
      throw new NisoError('E_STATE', `${file}: migration ${m.version} (${m.name}) failed: ${messageOf(error)}`)
    }
  }
  return pending.length > 0
}
