import {type Exposure, exposureText} from '../unit/exposure.js'

/** A mount of the unit's rootfs as systemd reports it (`systemctl show`). */
export interface UnitMount {
  readonly kind: 'bind-ro' | 'bind-rw' | 'tmpfs'
  /** The host path (binds); absent for tmpfs. */
  readonly source?: string
  readonly target: string
  /** systemd's mount options ("rbind", "size=64M,mode=1777"…). */
  readonly options: string
  /** A missing source is skipped ("-" prefix). */
  readonly optional: boolean
}

export interface DropIn {
  readonly path: string
  readonly text: string
}

export interface HealthEvent {
  readonly at: string
  readonly kind: string
  readonly version: string | null
  readonly detail: Readonly<Record<string, unknown>>
}

/** Everything `niso debug NAME` shows about one service. */
export interface DebugReport {
  readonly app: string
  readonly version: string
  readonly unit: string
  readonly state: string
  readonly mainPid: number
  /** The unit file systemd loaded, and its text. */
  readonly unitPath: string
  readonly unitText: string
  readonly dropIns: readonly DropIn[]
  readonly rootDirectory: string
  readonly mounts: readonly UnitMount[]
  /** Of the unit with its drop-ins, as systemd reads them. */
  readonly exposure: Exposure
  readonly health: {
    readonly status: string
    readonly failures: number
    readonly lastCheck: string | null
    readonly lastDetail: string | null
    readonly events: readonly HealthEvent[]
  }
  readonly labels: Readonly<Record<string, string>>
  readonly logs: readonly string[]
}

/**
 * The mounts in `systemctl show` properties: BindPaths=/BindReadOnlyPaths= items are
 * "[-]source:target:options", TemporaryFileSystem= items "target:options", space-separated.
 */
export function parseUnitMounts(props: Readonly<Record<string, string>>): UnitMount[] {
  const items = (name: string) => (props[name] ?? '').split(/\s+/).filter((item) => item !== '')
  const binds = (name: string, kind: 'bind-ro' | 'bind-rw'): UnitMount[] =>
    items(name).map((item) => {
      const optional = item.startsWith('-')
      const [source = '', target = source, ...options] = (optional ? item.slice(1) : item).split(':')
      return {kind, source, target, options: options.join(':'), optional}
    })
  const tmpfs = items('TemporaryFileSystem').map((item): UnitMount => {
    const [target = '', ...options] = item.split(':')
    return {kind: 'tmpfs', target, options: options.join(':'), optional: false}
  })
  return [...binds('BindReadOnlyPaths', 'bind-ro'), ...binds('BindPaths', 'bind-rw'), ...tmpfs].sort((a, b) =>
    a.target < b.target ? -1 : a.target > b.target ? 1 : 0,
  )
}

/** The human form of `niso debug`. */
export function debugLines(r: DebugReport): string[] {
  const out = [
    `${r.app} ${r.version}: ${r.unit} ${r.state}${r.mainPid > 0 ? ` (MainPID ${r.mainPid})` : ''}`,
    `exposure: ${exposureText(r.exposure)}`,
    '',
    `--- ${r.unitPath}`,
    r.unitText.trimEnd(),
  ]
  for (const d of r.dropIns) out.push('', `--- ${d.path}`, d.text.trimEnd())
  if (r.dropIns.length === 0) out.push('', `--- drop-ins: none (${r.unit}.d/*.conf)`)
  out.push('', `--- rootfs ${r.rootDirectory || '(no RootDirectory=)'}`)
  for (const m of r.mounts) {
    const from = m.source === undefined ? 'tmpfs' : `${m.optional ? '-' : ''}${m.source}`
    out.push(`${m.kind.padEnd(7)} ${m.target} <- ${from}${m.options ? ` (${m.options})` : ''}`)
  }
  const h = r.health
  out.push(
    '',
    `--- health: ${h.status}${h.failures ? `, ${h.failures} failed probe(s) in a row` : ''}${h.lastCheck ? ` (last check ${h.lastCheck}: ${h.lastDetail ?? '-'})` : ''}`,
  )
  for (const e of h.events) out.push(`${e.at} ${e.kind}${e.version ? ` ${e.version}` : ''} ${JSON.stringify(e.detail)}`)
  const labels = Object.entries(r.labels)
  out.push('', '--- labels', ...(labels.length ? labels.map(([k, v]) => `${k}=${v}`) : ['none']))
  out.push('', `--- last ${r.logs.length} log lines`, ...r.logs)
  return out
}
