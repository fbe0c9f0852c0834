import {existsSync, promises as fs} from 'node:fs'

import {type ProcessIds, parseEnviron, parseProcIds} from '../../core/services/process-identity.js'
import {parseTimestamp, show} from '../systemd/systemctl.js'

/** A unit's main process as systemd and /proc see it. */
export interface MainProcess {
  readonly unit: string
  readonly activeState: string
  readonly subState: string
  /** 0 when there is none. */
  readonly pid: number
  /** When the unit last became active (its start gate passed). */
  readonly activeSince: Date | undefined
}

export async function mainProcess(unit: string): Promise<MainProcess> {
  const p = await show(unit, ['ActiveState', 'SubState', 'MainPID', 'ActiveEnterTimestamp'])
  return {
    unit,
    activeState: p.ActiveState || 'unknown',
    subState: p.SubState || 'unknown',
    pid: Number(p.MainPID) || 0,
    activeSince: parseTimestamp(p.ActiveEnterTimestamp),
  }
}

/** True when this process sees the host's /proc (false inside a service's rootfs, e.g. an ExecStartPost=+ gate). */
export function procAvailable(): boolean {
  return existsSync('/proc/self/status')
}

/** The effective uid and gid of a running process. */
export async function processIds(pid: number): Promise<ProcessIds> {
  const ids = parseProcIds(await fs.readFile(`/proc/${pid}/status`, 'utf8'))
  if (!ids) throw new Error(`/proc/${pid}/status: no Uid/Gid lines`)
  return ids
}

/** The environment the process was started with (what the unit gave it). */
export async function processEnv(pid: number): Promise<Record<string, string>> {
  return parseEnviron(await fs.readFile(`/proc/${pid}/environ`, 'utf8'))
}

/** Whether the process lives in another namespace of this kind than this one. */
export async function otherNamespace(pid: number, kind: 'net' | 'pid'): Promise<boolean> {
  const [mine, theirs] = await Promise.all([
    fs.readlink(`/proc/self/ns/${kind}`),
    fs.readlink(`/proc/${pid}/ns/${kind}`),
  ])
  return mine !== theirs
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
