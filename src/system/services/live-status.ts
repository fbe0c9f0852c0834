import {formatUptime} from '../../core/services/format.js'
import {humanSize} from '../../core/package/human-size.js'
import type {NisoPaths} from '../../core/paths.js'
import type {Column} from '../../ui/table.js'
import {serviceStatuses} from './service-status.js'
import {systemdReachable} from './unit-statuses.js'

/** What systemd says about the service running an active version, for `niso list`. */
export interface LiveStatus {
  /** "active (running)", "failed (failed)", … */
  readonly state: string
  readonly health: string
  readonly uptimeSeconds: number | null
  readonly memoryBytes: number | null
}

/**
 * Adds `live` (systemd's state, health, uptime, memory) to the rows of active versions. Rows are
 * returned as they are when no systemd is reachable (a build host, a container without PID 1
 * systemd): listing never fails for want of one.
 */
export async function withLiveStatus<
  T extends {readonly name: string; readonly version: string; readonly status: string},
>(paths: NisoPaths, rows: readonly T[]): Promise<Array<T & {live?: LiveStatus}>> {
  const active = rows.filter((r) => r.status === 'active')
  if (active.length === 0 || !systemdReachable()) return [...rows]
  const statuses = await serviceStatuses(paths, [...new Set(active.map((r) => r.name))])
  const byName = new Map(statuses.map((s) => [s.name, s]))
  return rows.map((r) => {
    const s = r.status === 'active' ? byName.get(r.name) : undefined
    if (!s || s.version !== r.version) return r
    return {
      ...r,
      live: {state: s.status, health: s.health, uptimeSeconds: s.uptimeSeconds, memoryBytes: s.memoryBytes},
    }
  })
}

/**
 * The listing's columns with systemd's view spliced in after STATUS (which then shows systemd's
 * state for active versions): HEALTH, UPTIME, MEMORY, `-` for versions that do not run. Without
 * a reachable systemd the columns are left as they are.
 */
export function withLiveColumns<T extends {readonly live?: LiveStatus}>(
  columns: readonly Column<T>[],
  reachable: boolean = systemdReachable(),
): Column<T>[] {
  if (!reachable) return [...columns]
  const out: Column<T>[] = []
  for (const c of columns) {
    if (c.header !== 'STATUS') {
      out.push(c)
      continue
    }
    out.push(
      {...c, value: (r) => r.live?.state ?? c.value(r)},
      {header: 'HEALTH', value: (r) => r.live?.health ?? '-'},
      {header: 'UPTIME', value: (r) => formatUptime(r.live?.uptimeSeconds)},
      {
        header: 'MEMORY',
        value: (r) => (r.live?.memoryBytes == null ? '-' : humanSize(r.live.memoryBytes)),
        right: true,
      },
    )
  }
  return out
}
