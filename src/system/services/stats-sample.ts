import {promises as fs} from 'node:fs'
import path from 'node:path'
import {performance} from 'node:perf_hooks'

import {NisoError} from '../../core/errors.js'
import {type StatsSample, parseCpuStat, parseIoStat} from '../../core/services/stats.js'
import {listUnits, parseCount, splitShowBlocks, systemctl} from '../systemd/systemctl.js'

const PROPS = [
  'Id',
  'LoadState',
  'ActiveState',
  'ControlGroup',
  'CPUUsageNSec',
  'MemoryCurrent',
  'MemoryMax',
  'TasksCurrent',
  'IOReadBytes',
  'IOWriteBytes',
] as const

/** Running niso services and `niso run` units (not the health checks or run cleanups). */
export async function runningNisoUnits(): Promise<string[]> {
  const units = await listUnits(['niso-*.service'])
  return units
    .filter(
      (u) => u.active === 'active' && !u.unit.endsWith('-health.service') && !u.unit.startsWith('niso-run-cleanup@'),
    )
    .map((u) => u.unit)
    .sort()
}

/** Refuses names whose unit is not running, naming them. */
export async function requireRunning(units: readonly string[]): Promise<void> {
  const text = await systemctl(['show', '--property=Id,ActiveState', '--', ...units])
  splitShowBlocks(text).forEach((p, i) => {
    if (p.ActiveState !== 'active') {
      throw new NisoError('E_NOT_RUNNING', `${units[i]} is not running (${p.ActiveState || 'not loaded'})`)
    }
  })
}

/**
 * One reading of each unit's counters with a single `systemctl show`. Where systemd's accounting
 * is off for a unit (no CPUAccounting, no IOAccounting, or a hybrid cgroup host where the
 * controllers are v1), the unit's cgroup v2 files are read instead: cpu.stat is always there,
 * io.stat and memory.current when their controllers are enabled.
 */
export async function sampleUnits(units: readonly string[]): Promise<StatsSample[]> {
  if (units.length === 0) return []
  const text = await systemctl(['show', `--property=${PROPS.join(',')}`, '--', ...units])
  const at = performance.now()
  return Promise.all(
    splitShowBlocks(text).map(async (p, i) => {
      const cgroup = p.ActiveState === 'active' && p.ControlGroup ? await cgroupDir(p.ControlGroup) : undefined
      const read = (file: string) => (cgroup ? fs.readFile(path.join(cgroup, file), 'utf8').catch(() => '') : '')
      let cpuNsec = parseCount(p.CPUUsageNSec) ?? null
      if (cpuNsec === null) cpuNsec = parseCpuStat(await read('cpu.stat'))
      let memoryBytes = parseCount(p.MemoryCurrent) ?? null
      if (memoryBytes === null) memoryBytes = parseCount((await read('memory.current')).trim()) ?? null
      let ioReadBytes = parseCount(p.IOReadBytes) ?? null
      let ioWriteBytes = parseCount(p.IOWriteBytes) ?? null
      if (ioReadBytes === null || ioWriteBytes === null) {
        const io = await read('io.stat')
        if (io) ({read: ioReadBytes, write: ioWriteBytes} = parseIoStat(io))
      }
      return {
        unit: p.Id || (units[i] as string),
        at,
        cpuNsec,
        memoryBytes,
        memoryMaxBytes: parseCount(p.MemoryMax) ?? null,
        tasks: parseCount(p.TasksCurrent) ?? null,
        ioReadBytes,
        ioWriteBytes,
      }
    }),
  )
}

/** The unit's cgroup v2 directory: the unified hierarchy itself, or its mount on a hybrid host. */
async function cgroupDir(controlGroup: string): Promise<string | undefined> {
  for (const root of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified']) {
    const dir = path.join(root, controlGroup)
    const ok = await fs.access(path.join(dir, 'cgroup.procs')).then(
      () => true,
      () => false,
    )
    if (
      ok &&
      (await fs.access(path.join(dir, 'cpu.stat')).then(
        () => true,
        () => false,
      ))
    )
      return dir
  }
  return undefined
}
