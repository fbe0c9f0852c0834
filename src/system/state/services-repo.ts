import type {StateDb} from './db.js'

/** Rows of the `services` table: which version of each package runs, and which ran before it. */
export interface ServiceRecord {
  readonly name: string
  readonly currentVersion: string | null
  readonly previousVersion: string | null
  readonly activatedAt: string | null
}

type Row = [string, string | null, string | null, string | null]

export function listServices(db: StateDb): ServiceRecord[] {
  const res = db.exec('SELECT name, current_version, previous_version, activated_at FROM services ORDER BY name')
  return (res[0]?.values ?? []).map((r) => {
    const [name, currentVersion, previousVersion, activatedAt] = r as Row
    return {name, currentVersion, previousVersion, activatedAt}
  })
}

export function getService(db: StateDb, name: string): ServiceRecord | undefined {
  return listServices(db).find((s) => s.name === name)
}

/** Sets the active version (the old one becomes previous). Used by activation and by tests. */
export function setCurrentVersion(db: StateDb, name: string, version: string, at: string): void {
  const old = getService(db, name)
  if (old?.currentVersion === version) return
  db.run(
    `INSERT INTO services (name, current_version, previous_version, activated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET previous_version = current_version, current_version = excluded.current_version,
     activated_at = excluded.activated_at`,
    [name, version, null, at],
  )
}

/** Puts a service's row back as `record` says (none: the row goes), e.g. when an activation is undone. */
export function restoreService(db: StateDb, name: string, record: ServiceRecord | undefined): void {
  if (!record) {
    db.run('DELETE FROM services WHERE name = ?', [name])
    return
  }
  db.run(
    `INSERT INTO services (name, current_version, previous_version, activated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET current_version = excluded.current_version,
     previous_version = excluded.previous_version, activated_at = excluded.activated_at`,
    [name, record.currentVersion, record.previousVersion, record.activatedAt],
  )
}
