import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {pidStartTime} from '../state/process-identity.js'
import {listDirOr} from '../read-or.js'

/**
 * Where a machine's record and run files live on the host. The record survives across CLI calls
 * (`<run>/machines/<name>.json`); the run directory (`<run>/machines/<name>/`) holds the boot
 * script, the console log, the pid file and the empty directory the machine's root is mounted
 * on inside its own mount namespace. A persistent machine's overlay (upper/ and work/) lives in
 * `<varLib>/machines/<name>/`.
 */

export interface MachineRecord {
  readonly name: string
  /** Host PID of the machine's systemd (its PID 1). */
  readonly pid: number
  /** Its start time in clock ticks (/proc/<pid>/stat field 22): tells a reused PID apart. */
  readonly pidStart: string
  /** Host PID of the `unshare` process that waits for PID 1. */
  readonly supervisorPid: number
  readonly startedAt: string
  readonly target: string
  readonly persistent: boolean
  /** The overlay's upper directory, or "tmpfs". */
  readonly upper: string
  /** The machine's cgroup directory on the host, one per hierarchy. */
  readonly cgroups: readonly string[]
  readonly binds: readonly MachineBind[]
}

export interface MachineBind {
  readonly source: string
  readonly target: string
  readonly readOnly: boolean
}

export interface MachineFiles {
  readonly record: string
  readonly dir: string
  readonly bootScript: string
  readonly consoleLog: string
  readonly pidFile: string
  readonly mountAnchor: string
  readonly lock: string
  /** Persistent overlay (upper/, work/). */
  readonly persistentDir: string
}

export const DEFAULT_MACHINE = 'niso'

/** Machine names are host names: they become the machine's hostname and part of cgroup names. */
export function checkMachineName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name)) {
    throw new NisoError(
      'E_MACHINE_NAME',
      `"${name}" is not a machine name: use 1-63 lowercase letters, digits and "-", starting with a letter or digit`,
    )
  }
  return name
}

export function machinesDir(paths: NisoPaths): string {
  return path.join(paths.run, 'machines')
}

export function machineFiles(paths: NisoPaths, name: string): MachineFiles {
  const base = machinesDir(paths)
  const dir = path.join(base, name)
  return {
    record: path.join(base, `${name}.json`),
    dir,
    bootScript: path.join(dir, 'boot.sh'),
    consoleLog: path.join(dir, 'console.log'),
    pidFile: path.join(dir, 'pid'),
    mountAnchor: path.join(dir, 'mnt'),
    lock: path.join(base, `${name}.lock`),
    persistentDir: path.join(paths.varLib, 'machines', name),
  }
}

export function readRecord(file: string): MachineRecord | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  try {
    const r = JSON.parse(text) as MachineRecord
    if (typeof r.pid !== 'number' || typeof r.name !== 'string') throw new Error('missing fields')
    return r
  } catch {
    throw new NisoError('E_MACHINE_STATE', `${file}: not a machine record (remove it, then start the machine again)`)
  }
}

export function writeRecord(file: string, record: MachineRecord): void {
  const tmp = `${file}.${process.pid}.tmp`
  fs.writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`, {mode: 0o644})
  fs.renameSync(tmp, file)
}

/** Names of machines with a record. */
export function recordedMachines(paths: NisoPaths): string[] {
  return listDirOr(machinesDir(paths))
    .filter((n) => n.endsWith('.json'))
    .map((n) => n.slice(0, -5))
    .sort()
}

/** True while the recorded PID 1 runs (same PID, same start time). */
export function isRunning(record: MachineRecord): boolean {
  return record.pid > 0 && pidStartTime(record.pid) === record.pidStart
}
