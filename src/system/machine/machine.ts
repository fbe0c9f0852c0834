import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {acquireLock} from '../state/lock.js'
import {pidStartTime} from '../state/process-identity.js'
import {BOOT_SCRIPT, MASKED_UNITS} from './boot-script.js'
import {createCgroups, hostCgroupPlan, removeCgroupTree} from './cgroups.js'
import {MACHINE_PATH, execCapture} from './exec.js'
import {
  type MachineBind,
  type MachineFiles,
  type MachineRecord,
  checkMachineName,
  isRunning,
  machineFiles,
  machinesDir,
  readRecord,
  recordedMachines,
  writeRecord,
} from './state.js'

/**
 * `niso machine`: a throwaway systemd as PID 1 in new pid/mount/uts/ipc/net/cgroup namespaces,
 * over an overlay of the host's root. Never systemd on the bare host root: its tmpfiles setup
 * would wipe the host's /tmp. Killing PID 1 tears everything down; the host keeps no mounts.
 */

export interface StartOptions {
  readonly name: string
  /** Keep the overlay's upper layer in `<varLib>/machines/<name>` across stops. */
  readonly persistent?: boolean
  /** The unit systemd boots; default basic.target (multi-user.target also starts host-enabled services). */
  readonly target?: string
  /** Host paths to share, besides the niso installation itself (always shared at its own path). */
  readonly binds?: readonly MachineBind[]
  /** How long to wait for `running`; default 60 s. */
  readonly timeoutMs?: number
}

export interface StartResult {
  readonly record: MachineRecord
  readonly alreadyRunning: boolean
  /** From spawning to `running` (0 when already running). */
  readonly bootMs: number
  readonly state: string
  /** Failed units when the machine came up `degraded`. */
  readonly failedUnits: readonly string[]
}

export interface MachineStatus {
  readonly name: string
  /** `stopped` (no record), `stale` (record of a machine that is gone), or `systemctl is-system-running`. */
  readonly state: string
  readonly running: boolean
  readonly pid: number | null
  readonly startedAt: string | null
  readonly uptimeSeconds: number | null
  readonly upper: string | null
  readonly persistent: boolean | null
  readonly target: string | null
  readonly failedUnits: readonly string[]
}

const DEFAULT_TARGET = 'basic.target'
/** SIGRTMIN+4 (glibc's SIGRTMIN is 34): systemd's "power off" request, as machinectl poweroff sends. */
const SIGNAL_POWEROFF = 38

export async function startMachine(paths: NisoPaths, opts: StartOptions): Promise<StartResult> {
  const name = checkMachineName(opts.name)
  requireHost()
  const files = machineFiles(paths, name)
  fs.mkdirSync(machinesDir(paths), {recursive: true})
  const lock = await acquireLock(files.lock, {command: `niso machine start ${name}`})
  try {
    const existing = readRecord(files.record)
    if (existing && isRunning(existing)) {
      const state = await systemState(existing)
      return {
        record: existing,
        alreadyRunning: true,
        bootMs: 0,
        state,
        failedUnits: await failedUnitsOf(existing, state),
      }
    }
    if (existing || fs.existsSync(files.dir)) await teardown(files, existing, name)
    return await boot(files, name, opts)
  } finally {
    lock.release()
  }
}

async function boot(files: MachineFiles, name: string, opts: StartOptions): Promise<StartResult> {
  const t0 = Date.now()
  const plan = hostCgroupPlan(name)
  if (plan.hierarchies.length === 0) {
    throw new NisoError('E_MACHINE_CGROUP', 'no cgroup hierarchy is mounted under /sys/fs/cgroup: systemd cannot run')
  }
  const target = opts.target ?? DEFAULT_TARGET
  const binds = [...defaultBinds(), ...(opts.binds ?? [])]
  for (const b of binds) {
    if (!fs.existsSync(b.source)) throw new NisoError('E_MACHINE_BIND', `--bind ${b.source}: no such file or directory`)
  }
  const upperRoot = opts.persistent ? files.persistentDir : ''
  let record: MachineRecord | undefined
  try {
    fs.mkdirSync(files.mountAnchor, {recursive: true})
    if (upperRoot) for (const d of ['upper', 'work']) fs.mkdirSync(path.join(upperRoot, d), {recursive: true})
    createCgroups(plan)
    fs.writeFileSync(files.bootScript, BOOT_SCRIPT, {mode: 0o755})
    const log = fs.openSync(files.consoleLog, 'w')
    const child = spawn('/bin/sh', [files.bootScript, 'enter'], {
      detached: true,
      stdio: ['ignore', log, log],
      env: {
        PATH: MACHINE_PATH,
        NISO_MACHINE_NAME: name,
        NISO_MACHINE_DIR: files.dir,
        NISO_MACHINE_UPPER: upperRoot,
        NISO_MACHINE_TARGET: target,
        NISO_MACHINE_CGROUPS: plan.hierarchies
          .map((h) => [h.hostDir, h.mountDir, h.fsType, h.options, h.aliases.join(' ')].join('\t'))
          .join('\n'),
        NISO_MACHINE_BINDS: binds.map((b) => [b.source, b.target, b.readOnly ? 'ro' : 'rw'].join('\t')).join('\n'),
        NISO_MACHINE_MASK: MASKED_UNITS.join(' '),
      },
    })
    fs.closeSync(log)
    let exited = false
    child.on('exit', () => (exited = true))
    child.on('error', () => (exited = true))
    const pids = await waitForPidFile(files, () => exited, opts.timeoutMs ?? 60_000)
    child.unref()
    for (const h of plan.hierarchies)
      fs.writeFileSync(path.join(h.hostDir, 'supervisor', 'cgroup.procs'), `${pids.supervisor}`)
    await releaseInit(files, () => exited)
    const pidStart = pidStartTime(pids.pid)
    if (!pids.pid || pidStart === undefined) throw bootError(files, 'PID 1 exited right after the boot script ran')
    record = {
      name,
      pid: pids.pid,
      pidStart,
      supervisorPid: pids.supervisor,
      startedAt: new Date().toISOString(),
      target,
      persistent: Boolean(opts.persistent),
      upper: upperRoot ? path.join(upperRoot, 'upper') : 'tmpfs',
      cgroups: plan.hierarchies.map((h) => h.hostDir),
      binds,
    }
    writeRecord(files.record, record)
    const state = await waitRunning(record, files, t0 + (opts.timeoutMs ?? 60_000))
    return {
      record,
      alreadyRunning: false,
      bootMs: Date.now() - t0,
      state,
      failedUnits: await failedUnitsOf(record, state),
    }
  } catch (error) {
    await teardown(
      files,
      record,
      name,
      plan.hierarchies.map((h) => h.hostDir),
    ).catch(() => {})
    throw error
  }
}

async function waitForPidFile(
  files: MachineFiles,
  exited: () => boolean,
  timeoutMs: number,
): Promise<{pid: number; supervisor: number}> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const m = /^(\d+) (\d+)$/.exec(readText(files.pidFile).trim())
    if (m) return {pid: Number(m[1]), supervisor: Number(m[2])}
    if (exited()) throw bootError(files, 'the boot script failed')
    if (Date.now() > deadline) throw bootError(files, 'the boot script did not finish')
    await sleep(10)
  }
}

/** Lets the boot script go on (it waits on its `continue` fifo); never blocks on a dead reader. */
async function releaseInit(files: MachineFiles, exited: () => boolean): Promise<void> {
  const fifo = path.join(files.dir, 'continue')
  const deadline = Date.now() + 10_000
  for (;;) {
    try {
      const fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK)
      try {
        fs.writeSync(fd, 'go\n')
      } finally {
        fs.closeSync(fd)
      }
      return
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENXIO' && code !== 'ENOENT')
        throw bootError(files, `cannot signal the boot script: ${messageOf(error)}`)
    }
    if (exited() || Date.now() > deadline) throw bootError(files, 'the boot script stopped before switching roots')
    await sleep(5)
  }
}

async function waitRunning(record: MachineRecord, files: MachineFiles, deadline: number): Promise<string> {
  let state = 'offline'
  for (;;) {
    if (!isRunning(record)) throw bootError(files, `systemd exited during boot (last state: ${state})`)
    state = await systemState(record)
    if (state === 'running' || state === 'degraded') return state
    if (state === 'maintenance' || Date.now() > deadline) {
      const journal = await execCapture(record, 'journalctl', ['-b', '-n', '15', '--no-pager', '-o', 'cat'])
      throw new NisoError(
        'E_MACHINE_BOOT',
        `machine ${record.name} did not reach "running" (state: ${state}); last journal lines:\n${journal.stdout.trimEnd()}`,
      )
    }
    await sleep(50)
  }
}

/** `systemctl is-system-running` inside, or "offline" while its manager does not answer. */
export async function systemState(record: MachineRecord): Promise<string> {
  const r = await execCapture(record, 'systemctl', ['is-system-running'], {timeoutMs: 10_000})
  return r.stdout.trim().split('\n')[0] || 'offline'
}

async function failedUnitsOf(record: MachineRecord, state: string): Promise<string[]> {
  if (state !== 'degraded') return []
  const r = await execCapture(record, 'systemctl', ['list-units', '--failed', '--plain', '--no-legend', '--no-pager'])
  return r.stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean)
}

export interface StopOptions {
  readonly name: string
  /** Wait this long for a clean poweroff before killing PID 1; default 10 s. */
  readonly timeoutMs?: number
  /** Kill PID 1 at once (no clean shutdown of the machine's services). */
  readonly kill?: boolean
  /** Also delete a persistent machine's overlay. */
  readonly purge?: boolean
}

export interface StopResult {
  readonly name: string
  readonly wasRunning: boolean
  readonly killed: boolean
  readonly stopMs: number
  readonly purged: boolean
}

export async function stopMachine(paths: NisoPaths, opts: StopOptions): Promise<StopResult> {
  const name = checkMachineName(opts.name)
  requireHost()
  const files = machineFiles(paths, name)
  const t0 = Date.now()
  fs.mkdirSync(machinesDir(paths), {recursive: true})
  const lock = await acquireLock(files.lock, {command: `niso machine stop ${name}`})
  try {
    const record = readRecord(files.record)
    const wasRunning = record !== undefined && isRunning(record)
    let killed = false
    if (record && wasRunning) {
      if (!opts.kill) signal(record.pid, SIGNAL_POWEROFF)
      if (opts.kill || !(await waitGone(record, opts.timeoutMs ?? 10_000))) {
        killed = true
        signal(record.pid, 'SIGKILL')
        if (!(await waitGone(record, 10_000))) {
          throw new NisoError('E_MACHINE_STOP', `machine ${name}: PID ${record.pid} survived SIGKILL`)
        }
      }
    }
    if (record || fs.existsSync(files.dir)) await teardown(files, record, name)
    const purged = Boolean(opts.purge) && fs.existsSync(files.persistentDir)
    if (purged) fs.rmSync(files.persistentDir, {recursive: true, force: true})
    return {name, wasRunning, killed, stopMs: Date.now() - t0, purged}
  } finally {
    lock.release()
  }
}

/**
 * Removes what a machine left on the host once its PID 1 is gone (or kills what is left of it):
 * its cgroups (killing anything still inside), its run directory and its record.
 */
async function teardown(
  files: MachineFiles,
  record: MachineRecord | undefined,
  name: string,
  extraCgroups: readonly string[] = [],
): Promise<void> {
  if (record && isRunning(record)) {
    signal(record.pid, 'SIGKILL')
    await waitGone(record, 10_000)
  }
  const dirs = new Set([...(record?.cgroups ?? []), ...extraCgroups])
  if (dirs.size === 0) for (const h of hostCgroupPlan(name).hierarchies) dirs.add(h.hostDir)
  const left: string[] = []
  for (const d of dirs) left.push(...(await removeCgroupTree(d)))
  if (record?.supervisorPid) await waitPidGone(record.supervisorPid, 5000)
  // The machine mounted everything in its own mount namespace, so its run directory holds plain
  // files and empty mount points. Refuse to delete through a mount if something put one there.
  const mounted = hostMountsUnder(files.dir)
  if (mounted.length > 0) {
    throw new NisoError('E_MACHINE_STOP', `${mounted[0]} is still mounted on the host; unmount it, then stop again`)
  }
  fs.rmSync(files.dir, {recursive: true, force: true})
  fs.rmSync(files.record, {force: true})
  if (left.length > 0) {
    throw new NisoError('E_MACHINE_STOP', `machine ${name}: cannot remove cgroup ${left[0]} (still busy)`)
  }
}

export async function machineStatus(paths: NisoPaths, name: string): Promise<MachineStatus> {
  checkMachineName(name)
  const record = readRecord(machineFiles(paths, name).record)
  if (!record) return emptyStatus(name, 'stopped')
  if (!isRunning(record)) return {...fromRecord(record), state: 'stale', running: false, pid: null, uptimeSeconds: null}
  const state = await systemState(record)
  return {...fromRecord(record), state, running: true, failedUnits: await failedUnitsOf(record, state)}
}

export async function listMachines(paths: NisoPaths): Promise<MachineStatus[]> {
  return Promise.all(recordedMachines(paths).map((n) => machineStatus(paths, n)))
}

/** The record of a running machine, or a NisoError saying how to start it. */
export function runningMachine(paths: NisoPaths, name: string): MachineRecord {
  checkMachineName(name)
  const record = readRecord(machineFiles(paths, name).record)
  if (!record || !isRunning(record)) {
    throw new NisoError('E_MACHINE_NOT_RUNNING', `machine ${name} is not running`, {
      hint: `start it with: niso machine start --name ${name}`,
    })
  }
  return record
}

function fromRecord(r: MachineRecord): MachineStatus {
  return {
    name: r.name,
    state: 'running',
    running: true,
    pid: r.pid,
    startedAt: r.startedAt,
    uptimeSeconds: Math.max(0, Math.round((Date.now() - Date.parse(r.startedAt)) / 1000)),
    upper: r.upper,
    persistent: r.persistent,
    target: r.target,
    failedUnits: [],
  }
}

function emptyStatus(name: string, state: string): MachineStatus {
  return {
    name,
    state,
    running: false,
    pid: null,
    startedAt: null,
    uptimeSeconds: null,
    upper: null,
    persistent: null,
    target: null,
    failedUnits: [],
  }
}

/** The niso installation (the directory holding dist/), shared so `machine exec -- niso …` runs this build. */
function defaultBinds(): MachineBind[] {
  const root = path.resolve(import.meta.dirname, '../../..')
  if (root === '/' || !fs.existsSync(path.join(root, 'package.json'))) return []
  return [{source: root, target: root, readOnly: false}]
}

function requireHost(): void {
  if (process.platform !== 'linux') throw new NisoError('E_MACHINE_HOST', 'niso machine runs on Linux only')
  if (process.getuid?.() !== 0) {
    throw new NisoError('E_MACHINE_ROOT', 'niso machine needs root (it creates namespaces, mounts and cgroups)')
  }
  for (const tool of ['unshare', 'nsenter']) {
    if (!MACHINE_PATH.split(':').some((d) => fs.existsSync(path.join(d, tool)))) {
      throw new NisoError('E_MACHINE_HOST', `${tool} is not installed (it comes with util-linux)`)
    }
  }
  if (!fs.existsSync('/lib/systemd/systemd')) {
    throw new NisoError('E_MACHINE_HOST', '/lib/systemd/systemd does not exist: install systemd on this host')
  }
}

function bootError(files: MachineFiles, what: string): NisoError {
  const log = readText(files.consoleLog).trimEnd().split('\n').slice(-10).join('\n')
  return new NisoError('E_MACHINE_BOOT', `${what}${log ? `; ${files.consoleLog} ends with:\n${log}` : ''}`)
}

function signal(pid: number, sig: NodeJS.Signals | number): void {
  try {
    process.kill(pid, sig)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw new NisoError('E_MACHINE_STOP', messageOf(error))
  }
}

async function waitGone(record: MachineRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isRunning(record)) {
    if (Date.now() > deadline) return false
    await sleep(10)
  }
  return true
}

async function waitPidGone(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (pidStartTime(pid) !== undefined && Date.now() < deadline) await sleep(10)
}

function hostMountsUnder(dir: string): string[] {
  const prefix = `${dir}/`
  return readText('/proc/self/mountinfo')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp === dir || mp.startsWith(prefix))
}

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
}
