import {NisoError} from '../../core/errors.js'
import {run, runChecked} from './run.js'

/**
 * The local systemd's manager, through `systemctl` (inside a `niso machine` when niso runs there).
 * Every failing call throws one NisoError line (`E_SYSTEMCTL`) naming the command and systemctl's
 * own first line of stderr.
 */

export interface SystemctlOptions {
  /** Bounds the call; systemctl itself waits for start/stop jobs unless told not to. */
  readonly timeoutMs?: number
}

const CODE = 'E_SYSTEMCTL'

/** Runs `systemctl ARGS` and returns its stdout, throwing on failure. */
export function systemctl(args: readonly string[], opts: SystemctlOptions = {}): Promise<string> {
  return runChecked('systemctl', args, {errorCode: CODE, ...timeout(opts)})
}

export async function daemonReload(opts: SystemctlOptions = {}): Promise<void> {
  await systemctl(['daemon-reload'], opts)
}

export async function enable(
  units: string | readonly string[],
  opts: SystemctlOptions & {now?: boolean} = {},
): Promise<void> {
  await systemctl(['enable', '--quiet', ...(opts.now ? ['--now'] : []), ...list(units)], opts)
}

export async function disable(
  units: string | readonly string[],
  opts: SystemctlOptions & {now?: boolean} = {},
): Promise<void> {
  await systemctl(['disable', '--quiet', ...(opts.now ? ['--now'] : []), ...list(units)], opts)
}

/** Starts units and, unless `noBlock`, waits for the start job to finish (fails if it fails). */
export async function start(
  units: string | readonly string[],
  opts: SystemctlOptions & {noBlock?: boolean} = {},
): Promise<void> {
  await systemctl(['start', ...(opts.noBlock ? ['--no-block'] : []), ...list(units)], opts)
}

export async function stop(
  units: string | readonly string[],
  opts: SystemctlOptions & {noBlock?: boolean} = {},
): Promise<void> {
  await systemctl(['stop', ...(opts.noBlock ? ['--no-block'] : []), ...list(units)], opts)
}

export async function restart(units: string | readonly string[], opts: SystemctlOptions = {}): Promise<void> {
  await systemctl(['restart', ...list(units)], opts)
}

/** Clears the failed state (and restart counters) of the units, or of every unit when none is named. */
export async function resetFailed(units: string | readonly string[] = [], opts: SystemctlOptions = {}): Promise<void> {
  await systemctl(['reset-failed', ...list(units)], opts)
}

/** Sends a signal to a unit's processes (`who`: main, control or all). */
export async function kill(
  unit: string,
  signal: string,
  opts: SystemctlOptions & {who?: 'main' | 'control' | 'all'} = {},
): Promise<void> {
  await systemctl(['kill', `--signal=${signal}`, ...(opts.who ? [`--kill-who=${opts.who}`] : []), unit], opts)
}

/** `systemctl is-active`: true only for "active" (not for activating, reloading, failed…). */
export async function isActive(unit: string, opts: SystemctlOptions = {}): Promise<boolean> {
  return (await activeState(unit, opts)) === 'active'
}

/** The unit's ActiveState word (active, inactive, failed, activating, deactivating, reloading). */
export async function activeState(unit: string, opts: SystemctlOptions = {}): Promise<string> {
  // is-active exits non-zero for every state but active; its stdout is still the state.
  const r = await run('systemctl', ['is-active', unit], timeout(opts))
  const state = r.stdout.trim()
  if (!state) throw new NisoError(CODE, `systemctl is-active ${unit}: ${r.stderr.trim()}`)
  return state
}

/** `systemctl is-enabled`: enabled, disabled, static, masked, linked, … or "not-found". */
export async function isEnabled(unit: string, opts: SystemctlOptions = {}): Promise<string> {
  const r = await run('systemctl', ['is-enabled', unit], timeout(opts))
  return r.stdout.trim() || (/not (be )?found|No such file/i.test(r.stderr) ? 'not-found' : 'unknown')
}

/** `systemctl show -p A,B UNIT` as a record holding exactly the requested properties. */
export async function show<K extends string>(
  unit: string,
  props: readonly K[],
  opts: SystemctlOptions = {},
): Promise<Record<K, string>> {
  const text = await systemctl(['show', '--timestamp=unix', `--property=${props.join(',')}`, unit], opts)
  const all = parseShow(text)
  const out = {} as Record<K, string>
  for (const p of props) out[p] = all[p] ?? ''
  return out
}

/** Splits `Key=Value` lines (values may themselves contain `=`). */
export function parseShow(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1)
  }
  return out
}

/** `systemctl show` of several units: one record per unit, in the order they were named (blank-line separated). */
export function splitShowBlocks(text: string): Record<string, string>[] {
  return text
    .split(/\n\s*\n/)
    .filter((b) => b.trim() !== '')
    .map(parseShow)
}

/** The properties toUnitStatus reads. */
export const STATUS_PROPS = [
  'Id',
  'LoadState',
  'ActiveState',
  'SubState',
  'Result',
  'UnitFileState',
  'FragmentPath',
  'MainPID',
  'NRestarts',
  'ExecMainCode',
  'ExecMainStatus',
  'MemoryCurrent',
  'CPUUsageNSec',
  'TasksCurrent',
  'ActiveEnterTimestamp',
  'InvocationID',
] as const

/** What niso reads of a unit: states, main PID, restarts, resource use and since when it is active. */
export interface UnitStatus {
  readonly id: string
  readonly loadState: string
  readonly activeState: string
  readonly subState: string
  readonly result: string
  readonly unitFileState: string
  readonly fragmentPath: string
  /** 0 when there is no main process. */
  readonly mainPid: number
  readonly nRestarts: number
  readonly execMainCode: number
  readonly execMainStatus: number
  /** Bytes; undefined when accounting is off or the unit is not running. */
  readonly memoryCurrent: number | undefined
  readonly cpuUsageNSec: number | undefined
  readonly tasksCurrent: number | undefined
  readonly activeEnterTimestamp: Date | undefined
  readonly invocationId: string
}

export async function unitStatus(unit: string, opts: SystemctlOptions = {}): Promise<UnitStatus> {
  return toUnitStatus(await show(unit, STATUS_PROPS, opts))
}

/** Converts `systemctl show --timestamp=unix` values for STATUS_PROPS into a typed record. */
export function toUnitStatus(p: Readonly<Record<(typeof STATUS_PROPS)[number], string>>): UnitStatus {
  return {
    id: p.Id,
    loadState: p.LoadState,
    activeState: p.ActiveState,
    subState: p.SubState,
    result: p.Result,
    unitFileState: p.UnitFileState,
    fragmentPath: p.FragmentPath,
    mainPid: parseCount(p.MainPID) ?? 0,
    nRestarts: parseCount(p.NRestarts) ?? 0,
    execMainCode: parseCount(p.ExecMainCode) ?? 0,
    execMainStatus: parseCount(p.ExecMainStatus) ?? 0,
    memoryCurrent: parseCount(p.MemoryCurrent),
    cpuUsageNSec: parseCount(p.CPUUsageNSec),
    tasksCurrent: parseCount(p.TasksCurrent),
    activeEnterTimestamp: parseTimestamp(p.ActiveEnterTimestamp),
    invocationId: p.InvocationID,
  }
}

/** A systemd integer property; "[not set]", empty and UINT64_MAX ("infinity" internally) are undefined. */
export function parseCount(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value)) return undefined
  if (value === '18446744073709551615') return undefined
  const n = Number(value)
  return Number.isSafeInteger(n) ? n : undefined
}

/** A `--timestamp=unix` value (`@1700000000`); empty or "n/a" is undefined. */
export function parseTimestamp(value: string | undefined): Date | undefined {
  const m = /^@(\d+)$/.exec(value ?? '')
  if (!m?.[1] || m[1] === '0') return undefined
  return new Date(Number(m[1]) * 1000)
}

export interface ListedUnit {
  readonly unit: string
  readonly load: string
  readonly active: string
  readonly sub: string
  readonly description: string
}

/** Loaded units matching the patterns (all states), from `systemctl list-units --output=json`. */
export async function listUnits(patterns: readonly string[], opts: SystemctlOptions = {}): Promise<ListedUnit[]> {
  const text = await systemctl(['list-units', '--all', '--no-pager', '--output=json', ...patterns], opts)
  return parseListUnits(text)
}

export function parseListUnits(text: string): ListedUnit[] {
  const raw: unknown = JSON.parse(text || '[]')
  if (!Array.isArray(raw)) return []
  return raw.map((u: Record<string, unknown>) => ({
    unit: String(u.unit ?? ''),
    load: String(u.load ?? ''),
    active: String(u.active ?? ''),
    sub: String(u.sub ?? ''),
    description: String(u.description ?? ''),
  }))
}

function list(units: string | readonly string[]): readonly string[] {
  return typeof units === 'string' ? [units] : units
}

function timeout(opts: SystemctlOptions): {timeoutMs?: number} {
  return opts.timeoutMs === undefined ? {} : {timeoutMs: opts.timeoutMs}
}
