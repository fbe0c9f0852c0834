import {serviceLayout} from '../../core/activation/layout.js'
import type {NisoPaths} from '../../core/paths.js'
import {readState} from '../state/db.js'
import {getHealth} from '../state/health-repo.js'
import {listServices} from '../state/services-repo.js'
import {unitStatus} from '../systemd/systemctl.js'

export interface ServiceStatus {
  readonly name: string
  readonly version: string | null
  readonly previousVersion: string | null
  readonly unit: string
  /** systemd's ActiveState/SubState, e.g. "active (running)". */
  readonly status: string
  /** healthy | unhealthy | starting from the last check; "running" when the app has no health check. */
  readonly health: string
  readonly mainPid: number
  readonly uptimeSeconds: number | null
  readonly memoryBytes: number | null
  readonly tasks: number | null
  readonly restarts: number
  readonly enabled: string
}

/** Every service niso knows of (or one), with live state from systemd and health from the state DB. */
export async function serviceStatuses(paths: NisoPaths, name?: string): Promise<ServiceStatus[]> {
  const rows = await readState(paths, (db) =>
    listServices(db)
      .filter((s) => name === undefined || s.name === name)
      .map((s) => ({...s, health: getHealth(db, s.name)})),
  )
  return Promise.all(
    rows.map(async (s) => {
      const unit = serviceLayout(paths, s.name).unitName
      const u = await unitStatus(unit).catch(() => undefined)
      const since = u?.activeState === 'active' ? u.activeEnterTimestamp : undefined
      return {
        name: s.name,
        version: s.currentVersion,
        previousVersion: s.previousVersion,
        unit,
        status: u ? `${u.activeState} (${u.subState})` : 'unknown (no systemd)',
        health: s.currentVersion ? (s.health?.status ?? (u?.activeState === 'active' ? 'running' : '-')) : '-',
        mainPid: u?.mainPid ?? 0,
        uptimeSeconds: since ? Math.max(0, Math.round((Date.now() - since.getTime()) / 1000)) : null,
        memoryBytes: u?.memoryCurrent ?? null,
        tasks: u?.tasksCurrent ?? null,
        restarts: u?.nRestarts ?? 0,
        enabled: u?.unitFileState ?? '-',
      }
    }),
  )
}
