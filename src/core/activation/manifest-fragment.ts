import {type Manifest, type UnitFragment, durationToMs} from '@niso/plugin-sdk'

import type {RequestedRelaxation} from './unit-merge.js'

/**
 * The manifest's own unit contributions (phase "manifest"): environment, service policy,
 * resources and security overrides. Loosening requests become relaxations checked against the
 * preset. env_file becomes EnvironmentFile= and is never copied into the unit or the state DB.
 */
export function manifestFragment(m: Readonly<Manifest>): {fragment: UnitFragment; relaxations: RequestedRelaxation[]} {
  const s: Record<string, string | string[]> = {}
  const u: Record<string, string | string[]> = {}
  const relaxations: RequestedRelaxation[] = []
  const from = 'manifest.toml'

  const env = Object.entries(m.environment ?? {}).filter(([k]) => k !== 'env_file')
  if (env.length) s.Environment = env.map(([k, v]) => quoteEnvironment(`${k}=${v}`))
  if (m.environment?.env_file) s.EnvironmentFile = [m.environment.env_file]

  const svc = m.service ?? {}
  if (svc.type) s.Type = svc.type
  if (svc.restart) s.Restart = svc.restart
  if (svc.restart_delay) s.RestartSec = seconds(svc.restart_delay)
  const stop = svc.stop_timeout ?? m.runtime?.stop_timeout
  if (stop) s.TimeoutStopSec = seconds(stop)
  if (svc.after?.length) u.After = [...svc.after]
  if (svc.user) s.User = svc.user
  if (svc.group) s.Group = svc.group
  if (m.runtime?.stop_signal) s.KillSignal = m.runtime.stop_signal

  const r = m.isolation?.resources ?? {}
  if (r.memory_max) s.MemoryMax = r.memory_max
  if (r.memory_high) s.MemoryHigh = r.memory_high
  if (r.cpu_max) s.CPUQuota = r.cpu_max
  if (r.pids_limit !== undefined) s.TasksMax = String(r.pids_limit)
  if (r.io_weight !== undefined) s.IOWeight = String(r.io_weight)
  for (const [name, limit] of Object.entries(r.ulimits ?? {})) {
    s[`Limit${name.toUpperCase()}`] = `${limit.soft}:${limit.hard}`
  }

  const sec = m.isolation?.security ?? {}
  if (sec.no_new_privileges === true) s.NoNewPrivileges = 'yes'
  if (sec.no_new_privileges === false) {
    relaxations.push({directive: 'NoNewPrivileges', value: 'no', reason: 'no_new_privileges = false', from})
  }
  if (sec.capabilities_add?.length) {
    const caps = sec.capabilities_add.map(capName)
    relaxations.push({directive: 'CapabilityBoundingSet', value: caps, reason: 'capabilities_add', from})
    relaxations.push({directive: 'AmbientCapabilities', value: caps, reason: 'capabilities_add', from})
  }
  if (sec.seccomp === 'strict') {
    s.SystemCallFilter = [
      '~@privileged @resources @mount @debug @module @raw-io @reboot @swap @cpu-emulation @obsolete',
    ]
  }
  for (const directive of sec.relax ?? []) {
    relaxations.push({directive: directive as RequestedRelaxation['directive'], value: 'no', reason: 'relax', from})
  }
  return {fragment: {Unit: u, Service: s}, relaxations}
}

/** Capabilities drop: the names a preset's bounding set must lose. */
export function droppedCapabilities(m: Readonly<Manifest>): string[] {
  return (m.isolation?.security?.capabilities_drop ?? []).map(capName)
}

function capName(c: string): string {
  return c.toUpperCase().startsWith('CAP_') ? c.toUpperCase() : `CAP_${c.toUpperCase()}`
}

function seconds(duration: string): string {
  const ms = durationToMs(duration)
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/** Environment= value with systemd quoting when it holds spaces, quotes or backslashes; "%" doubled (specifiers). */
export function quoteEnvironment(assignment: string): string {
  if (!/[\s"'\\]/.test(assignment)) return assignment.replaceAll('%', '%%')
  const escaped = assignment.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replaceAll('%', '%%')
  return `"${escaped}"`
}
