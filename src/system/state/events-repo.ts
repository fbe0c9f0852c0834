import type {StateDb} from './db.js'

/** The `events` table: an append-only history of what niso did (install, remove, gc, activate...). */
export interface EventRecord {
  readonly id: number
  readonly at: string
  readonly kind: string
  readonly name: string | null
  readonly version: string | null
  readonly detail: Readonly<Record<string, unknown>>
}

export function recordEvent(
  db: StateDb,
  event: {kind: string; name?: string; version?: string; detail?: Record<string, unknown>; at?: string},
): void {
  db.run('INSERT INTO events (at, kind, name, version, detail) VALUES (?, ?, ?, ?, ?)', [
    event.at ?? new Date().toISOString(),
    event.kind,
    event.name ?? null,
    event.version ?? null,
    JSON.stringify(event.detail ?? {}),
  ])
}

/** Removes the event of a step that was undone (found by kind, name and time), so the history lists what happened. */
export function deleteEvent(db: StateDb, event: {kind: string; name: string; at: string}): void {
  db.run('DELETE FROM events WHERE kind = ? AND name = ? AND at = ?', [event.kind, event.name, event.at])
}

export function listEvents(db: StateDb, name?: string): EventRecord[] {
  const stmt = db.prepare(
    `SELECT id, at, kind, name, version, detail FROM events ${name === undefined ? '' : 'WHERE name = ?'} ORDER BY id`,
  )
  try {
    if (name !== undefined) stmt.bind([name])
    const out: EventRecord[] = []
    while (stmt.step()) {
      const [id, at, kind, n, version, detail] = stmt.get() as [
        number,
        string,
        string,
        string | null,
        string | null,
        string,
      ]
      out.push({id, at, kind, name: n, version, detail: JSON.parse(detail) as Record<string, unknown>})
    }
    return out
  } finally {
    stmt.free()
  }
}
