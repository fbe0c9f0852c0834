import {humanSize} from '../package/human-size.js'
import {formatCpu, formatUptime} from './format.js'

/** What `niso status NAME` prints about one service (a structural view of the system's status record). */
export interface StatusView {
  readonly name: string
  readonly version: string | null
  readonly previousVersion: string | null
  readonly unit: string
  readonly status: string
  readonly health: string
  readonly healthFailures: number
  readonly healthDetail: string | null
  readonly healthCheckedAt: string | null
  readonly mainPid: number
  readonly uptimeSeconds: number | null
  readonly memoryBytes: number | null
  readonly tasks: number | null
  readonly cpuNSec: number | null
  readonly restarts: number
  readonly enabled: string
  readonly journal: readonly string[]
}

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
