import {humanSize} from '../package/human-size.js'
import {formatCpu, formatUptime} from './format.js'

/** One service as `niso status` shows it: niso's state (versions, health) joined with systemd's. */
export interface ServiceStatus {
  readonly name: string
  /** The active version, or null after deactivate. */
  readonly version: string | null
  readonly previousVersion: string | null
  readonly unit: string
  /** "active (running)", "failed (failed)", or "unknown (no systemd)" when none is reachable. */
  readonly status: string
  readonly activeState: string
  readonly subState: string
  /** healthy | unhealthy | starting, `running` when the version has no [healthcheck], `-` when stopped. */
  readonly health: string
  /** Consecutive failed probes so far (0 when healthy). */
  readonly healthFailures: number
  readonly healthDetail: string | null
  readonly healthCheckedAt: string | null
  readonly mainPid: number
  readonly uptimeSeconds: number | null
  readonly memoryBytes: number | null
  readonly tasks: number | null
  readonly cpuNSec: number | null
  readonly restarts: number
  /** enabled, disabled, linked, … from systemd; `-` when unknown. */
  readonly enabled: string
  readonly activatedAt: string | null
}

export interface ServiceDetail extends ServiceStatus {
  /** The unit's last journal lines, oldest first. */
  readonly journal: readonly string[]
}

/** What the detail block reads of a service's status. */
export type StatusView = Omit<ServiceDetail, 'activeState' | 'subState' | 'activatedAt'>

/** The detail block: a headline, aligned `key  value` lines, then the last log lines. */
export function detailLines(s: StatusView, now: Date = new Date()): string[] {
  const health =
    s.healthCheckedAt === null
      ? s.health
      : `${s.health}${s.healthFailures > 0 ? `, ${s.healthFailures} failed probe(s) in a row` : ''} (last check ${formatUptime(
          (now.getTime() - Date.parse(s.healthCheckedAt)) / 1000,
        )} ago: ${s.healthDetail ?? '-'})`
  const rows: Array<[string, string]> = [
    ['unit', `${s.unit} (${s.enabled})`],
    ['status', s.status],
    ['version', `${s.version ?? '- (not active)'}${s.previousVersion ? `, previous ${s.previousVersion}` : ''}`],
    ['health', health],
    ['main pid', s.mainPid > 0 ? String(s.mainPid) : '-'],
    ['uptime', formatUptime(s.uptimeSeconds)],
    ['memory', s.memoryBytes === null ? '-' : humanSize(s.memoryBytes)],
    ['tasks', s.tasks === null ? '-' : String(s.tasks)],
    ['cpu', formatCpu(s.cpuNSec)],
    ['restarts', String(s.restarts)],
  ]
  const width = Math.max(...rows.map(([k]) => k.length))
  const out = [`${s.name} ${s.version ?? '-'}: ${s.status}, ${s.health}`]
  for (const [k, v] of rows) out.push(`  ${k.padEnd(width)}  ${v}`)
  if (s.journal.length > 0) out.push(`  last ${s.journal.length} log line(s):`, ...s.journal.map((l) => `    ${l}`))
  return out
}
