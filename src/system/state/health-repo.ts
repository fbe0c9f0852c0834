import type {StateDb} from './db.js'

/** Rows of the `health` table: the last periodic check of each service. */
export interface HealthRecord {
  readonly service: string
  readonly status: 'healthy' | 'unhealthy' | 'starting'
  readonly failures: number
  readonly lastCheck: string
  readonly lastDetail: string
}

export function getHealth(db: StateDb, service: string): HealthRecord | undefined {
  const res = db.exec('SELECT service, status, failures, last_check, last_detail FROM health WHERE service = ?', [
    service,
  ])
  const row = res[0]?.values[0]
  if (!row) return undefined
  const [name, status, failures, lastCheck, lastDetail] = row as [
    string,
    HealthRecord['status'],
    number,
    string,
    string,
  ]
  return {service: name, status, failures, lastCheck, lastDetail}
}

export function putHealth(db: StateDb, h: HealthRecord): void {
  db.run(
    `INSERT INTO health (service, status, failures, last_check, last_detail) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (service) DO UPDATE SET status = excluded.status, failures = excluded.failures,
     last_check = excluded.last_check, last_detail = excluded.last_detail`,
    [h.service, h.status, h.failures, h.lastCheck, h.lastDetail],
  )
}
