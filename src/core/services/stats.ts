import {humanSize} from '../package/human-size.js'
import {unitBaseName} from '../unit/name.js'

/** One reading of a unit's counters, from systemd or its cgroup; null where neither accounts it. */
export interface StatsSample {
  readonly unit: string
  /** When it was read (ms, monotonic). */
  readonly at: number
  readonly cpuNsec: number | null
  readonly memoryBytes: number | null
  /** null: no limit. */
  readonly memoryMaxBytes: number | null
  readonly tasks: number | null
  readonly ioReadBytes: number | null
  readonly ioWriteBytes: number | null
}

/** What `niso stats` shows for one service: rates between two samples, levels from the second. */
export interface ServiceStats {
  /** The app name (niso-<name>.service), or run-<name> for a `niso run` unit. */
  readonly name: string
  readonly unit: string
  /** Of one CPU (200 = two CPUs busy), like docker stats. */
  readonly cpuPercent: number | null
  readonly memoryBytes: number | null
  readonly memoryMaxBytes: number | null
  readonly memoryPercent: number | null
  readonly tasks: number | null
  readonly ioReadBytes: number | null
  readonly ioWriteBytes: number | null
  readonly ioReadBytesPerSec: number | null
  readonly ioWriteBytesPerSec: number | null
}

/** niso-my-api.service → my-api; niso-run-x.service → run-x. */
export function serviceName(unit: string): string {
  return unit.replace(/^niso-/, '').replace(/\.service$/, '')
}

/** The unit of a NAME given on the command line: an app name, a run's name, or a unit name. */
export function statsUnit(name: string): string {
  const base = name.endsWith('.service') ? name.slice(0, -'.service'.length) : name
  return `${base.startsWith('niso-') ? base : unitBaseName(base)}.service`
}

export function serviceStats(before: StatsSample | undefined, now: StatsSample): ServiceStats {
  const seconds = before ? (now.at - before.at) / 1000 : 0
  const rate = (a: number | null | undefined, b: number | null): number | null =>
    a === null || a === undefined || b === null || seconds <= 0 ? null : Math.max(0, b - a) / seconds
  const cpu = rate(before?.cpuNsec, now.cpuNsec)
  return {
    name: serviceName(now.unit),
    unit: now.unit,
    cpuPercent: cpu === null ? null : round(cpu / 1e7, 1),
    memoryBytes: now.memoryBytes,
    memoryMaxBytes: now.memoryMaxBytes,
    memoryPercent:
      now.memoryBytes === null || now.memoryMaxBytes === null || now.memoryMaxBytes === 0
        ? null
        : round((100 * now.memoryBytes) / now.memoryMaxBytes, 1),
    tasks: now.tasks,
    ioReadBytes: now.ioReadBytes,
    ioWriteBytes: now.ioWriteBytes,
    ioReadBytesPerSec: nullableRound(rate(before?.ioReadBytes, now.ioReadBytes)),
    ioWriteBytesPerSec: nullableRound(rate(before?.ioWriteBytes, now.ioWriteBytes)),
  }
}

/** `usage_usec` of a cgroup v2 cpu.stat, in nanoseconds. */
export function parseCpuStat(text: string): number | null {
  const m = /^usage_usec (\d+)$/m.exec(text)
  return m?.[1] ? Number(m[1]) * 1000 : null
}

/** Bytes read and written over every device of a cgroup v2 io.stat. */
export function parseIoStat(text: string): {read: number; write: number} {
  let read = 0
  let write = 0
  for (const m of text.matchAll(/\brbytes=(\d+)\b.*?\bwbytes=(\d+)\b/g)) {
    read += Number(m[1])
    write += Number(m[2])
  }
  return {read, write}
}

/** The table cells of one row. */
export const STATS_COLUMNS: readonly {
  readonly header: string
  readonly value: (s: ServiceStats) => string
  readonly right?: boolean
}[] = [
  {header: 'NAME', value: (s) => s.name},
  {header: 'CPU %', value: (s) => (s.cpuPercent === null ? '-' : `${s.cpuPercent.toFixed(1)}%`), right: true},
  {
    header: 'MEM / LIMIT',
    value: (s) => `${size(s.memoryBytes)} / ${s.memoryMaxBytes === null ? 'no limit' : humanSize(s.memoryMaxBytes)}`,
    right: true,
  },
  {header: 'MEM %', value: (s) => (s.memoryPercent === null ? '-' : `${s.memoryPercent.toFixed(1)}%`), right: true},
  {header: 'TASKS', value: (s) => (s.tasks === null ? '-' : String(s.tasks)), right: true},
  {header: 'IO READ / WRITE', value: (s) => `${size(s.ioReadBytes)} / ${size(s.ioWriteBytes)}`, right: true},
]

function size(bytes: number | null): string {
  return bytes === null ? '-' : humanSize(bytes)
}

function round(n: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

function nullableRound(n: number | null): number | null {
  return n === null ? null : Math.round(n)
}
