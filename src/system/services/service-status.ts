import {serviceLayout} from '../../core/activation/layout.js'
import type {NisoPaths} from '../../core/paths.js'
import {healthLabel} from '../../core/services/health-state.js'
import type {ServiceDetail, ServiceStatus} from '../../core/services/status-view.js'
import {readState} from '../state/db.js'
import {type HealthRecord, getHealth} from '../state/health-repo.js'
import {listServices} from '../state/services-repo.js'
import {query} from '../systemd/journal.js'
import {readPlan} from './active-service.js'
import {systemdReachable, unitStatuses} from './unit-statuses.js'

/** Every service niso knows (or the named ones), with live state from systemd and health from the state DB. */
export async function serviceStatuses(paths: NisoPaths, names?: readonly string[]): Promise<ServiceStatus[]> {
  const rows = await readState(paths, (db) =>
    listServices(db)
      .filter((s) => names === undefined || names.includes(s.name))
      .map((s) => ({...s, record: getHealth(db, s.name)})),
  )
  const units = rows.map((s) => serviceLayout(paths, s.name).unitName)
  const live = await unitStatuses(units)
  const reachable = systemdReachable()
  return Promise.all(
    rows.map(async (s, i): Promise<ServiceStatus> => {
      const unit = units[i] ?? serviceLayout(paths, s.name).unitName
      const u = live.get(unit)
      const hasCheck = s.currentVersion
        ? await readPlan(paths, s.name, s.currentVersion).then(
            (p) => p.health !== undefined,
            () => false,
          )
        : false
      const activeState = u?.activeState ?? 'unknown'
      const since = activeState === 'active' ? u?.activeEnterTimestamp : undefined
      const record: HealthRecord | undefined = hasCheck ? s.record : undefined
      return {
        name: s.name,
        version: s.currentVersion,
        previousVersion: s.previousVersion,
        unit,
        status: u ? `${u.activeState} (${u.subState})` : reachable ? 'unknown' : 'unknown (no systemd)',
        activeState,
        subState: u?.subState ?? 'unknown',
        health: s.currentVersion ? healthLabel({activeState, hasCheck, record, activeSince: since}) : '-',
        healthFailures: record?.failures ?? 0,
        healthDetail: record?.lastDetail ?? null,
        healthCheckedAt: record?.lastCheck ?? null,
        mainPid: u?.mainPid ?? 0,
        uptimeSeconds: since ? Math.max(0, Math.round((Date.now() - since.getTime()) / 1000)) : null,
        memoryBytes: u?.memoryCurrent ?? null,
        tasks: u?.tasksCurrent ?? null,
        cpuNSec: u?.cpuUsageNSec ?? null,
        restarts: u?.nRestarts ?? 0,
        enabled: u?.unitFileState || '-',
        activatedAt: s.activatedAt,
      }
    }),
  )
}

/** One service in detail, with its last journal lines; undefined when niso never activated it. */
export async function serviceDetail(paths: NisoPaths, name: string, lines = 5): Promise<ServiceDetail | undefined> {
  const [s] = await serviceStatuses(paths, [name])
  if (!s) return undefined
  const journal = systemdReachable() ? await query({units: [s.unit], lines, output: 'short-iso'}).catch(() => []) : []
  return {...s, journal}
}
