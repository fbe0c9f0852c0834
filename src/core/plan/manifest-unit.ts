import path from 'node:path'

import {
  DIRECTIVES,
  type DirectiveValue,
  type Manifest,
  type RelaxationRequest,
  type UnitFragment,
  type Volume,
  isDirectiveName,
} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {bindItem, mountPath} from './binds.js'
import {capabilityName} from './capabilities.js'
import {byteSize, timeSpan} from './systemd-values.js'

/**
 * The manifest's own unit contribution (phase "manifest"): [environment], [service], [runtime]
 * stop settings, [isolation.resources], [isolation.security] and [volumes]. Whatever would loosen
 * the preset becomes a relaxation request, checked against what the preset permits.
 * env_file becomes EnvironmentFile= (systemd reads it at start); its content is never copied.
 */
export interface ManifestUnit {
  /** One fragment per manifest section, so messages name the section ("manifest.toml [volumes]"). */
  readonly fragments: readonly {readonly source: string; readonly fragment: UnitFragment}[]
  readonly relaxations: readonly RelaxationRequest[]
  readonly warnings: readonly string[]
  /** Paths inside the rootfs that volumes mount onto (the rootfs must have them). */
  readonly mountPoints: readonly string[]
}

export interface ManifestUnitContext {
  /** Host directory holding named volumes (<volumes>/<name>). */
  readonly volumesDir: string
}

type Directives = Record<string, DirectiveValue>

const SECURITY = 'manifest.toml [isolation.security]'

/** The seccomp profiles a manifest may name; "strict" adds these deny lines to the preset's filter. */
const SECCOMP: Readonly<Record<string, readonly string[]>> = {
  default: [],
  strict: ['~@privileged @resources @mount @debug @module @raw-io @reboot @swap @cpu-emulation @obsolete @clock'],
}

/** Named relaxations a manifest may ask for instead of "Directive=value". */
const RELAX_ALIASES: Readonly<Record<string, readonly [string, string]>> = {
  jit: ['MemoryDenyWriteExecute', 'no'],
}

/** ulimit names (setrlimit(2) without RLIMIT_) → systemd's Limit* directive. */
const ULIMITS: Readonly<Record<string, string>> = {
  as: 'LimitAS',
  core: 'LimitCORE',
  cpu: 'LimitCPU',
  data: 'LimitDATA',
  fsize: 'LimitFSIZE',
  locks: 'LimitLOCKS',
  memlock: 'LimitMEMLOCK',
  msgqueue: 'LimitMSGQUEUE',
  nice: 'LimitNICE',
  nofile: 'LimitNOFILE',
  nproc: 'LimitNPROC',
  rss: 'LimitRSS',
  rtprio: 'LimitRTPRIO',
  rttime: 'LimitRTTIME',
  sigpending: 'LimitSIGPENDING',
  stack: 'LimitSTACK',
}

/** Mounts a volume may not take: the API filesystems, the read-only package at /app, the root. */
const RESERVED_MOUNTS = ['/', '/app', '/proc', '/sys', '/dev', '/run']

export function manifestUnit(m: Readonly<Manifest>, ctx: ManifestUnitContext): ManifestUnit {
  const sections = new Map<string, {unit: Directives; service: Directives}>()
  const section = (name: string) => {
    const existing = sections.get(name)
    if (existing) return existing
    const created: {unit: Directives; service: Directives} = {unit: {}, service: {}}
    sections.set(name, created)
    return created
  }
  const relaxations: RelaxationRequest[] = []
  const warnings: string[] = []
  const mountPoints: string[] = []

  // [environment]: manifest order; env_file is read by systemd at start, never copied.
  const envSection = section('[environment]').service
  const env = Object.entries(m.environment ?? {}).filter(([k]) => k !== 'env_file')
  if (env.length) envSection.Environment = env.map(([k, value]) => `${k}=${value}`)
  if (m.environment?.env_file) envSection.EnvironmentFile = [m.environment.env_file]

  // [binary].working_dir (the package root unless the manifest says otherwise).
  if (m.binary) section('[binary]').service.WorkingDirectory = m.binary.working_dir

  // [service]
  const {unit, service} = section('[service]')
  const svc = m.service ?? {}
  if (svc.type) service.Type = svc.type
  if (svc.restart) service.Restart = svc.restart
  if (svc.restart_delay) service.RestartSec = timeSpan(svc.restart_delay)
  if (svc.after?.length) {
    // Order after them and require them: if one fails to start (or, with health-gated units,
    // never becomes healthy), this one does not start either; compose's depends_on.
    unit.After = [...svc.after]
    unit.Requires = [...svc.after]
  }
  if (svc.user) service.User = svc.user
  if (svc.group) service.Group = svc.group

  // [runtime] stop settings; [service].stop_timeout is the same knob, so both must agree.
  const rt = m.runtime ?? {}
  if (svc.stop_timeout && rt.stop_timeout && timeSpan(svc.stop_timeout) !== timeSpan(rt.stop_timeout)) {
    throw new NisoError(
      'E_MANIFEST_CONFLICT',
      `manifest.toml: [service] stop_timeout = "${svc.stop_timeout}" and [runtime] stop_timeout = "${rt.stop_timeout}" disagree; set one`,
    )
  }
  if (svc.stop_timeout) service.TimeoutStopSec = timeSpan(svc.stop_timeout)
  else if (rt.stop_timeout) section('[runtime]').service.TimeoutStopSec = timeSpan(rt.stop_timeout)
  if (rt.stop_signal) section('[runtime]').service.KillSignal = rt.stop_signal
  if (rt.init) {
    warnings.push(
      '[runtime] init = true adds nothing: systemd already reaps orphaned processes and signals every process of the service on stop',
    )
  }

  // [isolation.resources]
  const res = m.isolation?.resources ?? {}
  const resources = section('[isolation.resources]').service
  if (res.memory_max) resources.MemoryMax = byteSize(res.memory_max)
  if (res.memory_high) resources.MemoryHigh = byteSize(res.memory_high)
  if (res.cpu_max) resources.CPUQuota = res.cpu_max
  if (res.pids_limit !== undefined) resources.TasksMax = String(res.pids_limit)
  if (res.io_weight !== undefined) resources.IOWeight = String(res.io_weight)
  for (const [name, limit] of Object.entries(res.ulimits ?? {})) {
    const directive = ULIMITS[name]
    if (!directive) {
      throw new NisoError(
        'E_MANIFEST_ULIMIT',
        `manifest.toml [isolation.resources.ulimits] ${name}: unknown limit (known: ${Object.keys(ULIMITS).join(', ')})`,
      )
    }
    const n = (x: number | 'infinity') => (x === 'infinity' ? Number.POSITIVE_INFINITY : x)
    if (n(limit.soft) > n(limit.hard)) {
      throw new NisoError(
        'E_MANIFEST_ULIMIT',
        `manifest.toml [isolation.resources.ulimits] ${name}: soft limit ${limit.soft} is above hard limit ${limit.hard}`,
      )
    }
    resources[directive] = limit.soft === limit.hard ? String(limit.soft) : `${limit.soft}:${limit.hard}`
  }
  if (res.shm_size) {
    // A private /dev/shm of that size (PrivateDevices= would otherwise share the host's).
    resources.TemporaryFileSystem = [`/dev/shm:size=${byteSize(res.shm_size)},mode=1777,nosuid,nodev`]
  }

  // [isolation.security]
  const sec = m.isolation?.security ?? {}
  const security = section('[isolation.security]').service
  const seccomp = sec.seccomp ?? 'default'
  const filter = SECCOMP[seccomp]
  if (!filter) {
    throw new NisoError(
      'E_MANIFEST_SECCOMP',
      `${SECURITY} seccomp: unknown profile "${seccomp}" (known: ${Object.keys(SECCOMP).join(', ')})`,
    )
  }
  if (filter.length) security.SystemCallFilter = [...filter]
  if (sec.no_new_privileges === true) security.NoNewPrivileges = 'yes'
  if (sec.no_new_privileges === false) {
    relaxations.push({directive: 'NoNewPrivileges', value: 'no', reason: 'no_new_privileges = false', by: SECURITY})
  }
  const added = (sec.capabilities_add ?? []).map((c) => capabilityName(c, '[isolation.security] capabilities_add'))
  const dropped = (sec.capabilities_drop ?? []).map((c) => capabilityName(c, '[isolation.security] capabilities_drop'))
  const both = added.find((c) => dropped.includes(c))
  if (both) {
    throw new NisoError('E_MANIFEST_CONFLICT', `${SECURITY}: ${both} is in both capabilities_add and capabilities_drop`)
  }
  if (added.length) {
    // The bounding set must keep them and the (non-root) process must receive them; both loosen
    // the preset. Capabilities only act on the host's namespaces from the host user namespace.
    security.AmbientCapabilities = [...added]
    relaxations.push(
      {directive: 'CapabilityBoundingSet', value: added, reason: 'capabilities_add', by: SECURITY},
      {directive: 'AmbientCapabilities', value: added, reason: 'capabilities_add', by: SECURITY},
      {
        directive: 'PrivateUsers',
        value: 'no',
        reason: 'capabilities_add: capabilities do not reach beyond a private user namespace',
        by: SECURITY,
      },
    )
  }
  if (dropped.length) security.CapabilityBoundingSet = [`~${dropped[0]}`, ...dropped.slice(1)]
  for (const entry of sec.relax ?? []) relaxations.push(relaxRequest(entry))

  // [volumes], by name so the unit does not depend on table order.
  const binds: string[] = []
  const bindsRo: string[] = []
  const tmpfs: string[] = []
  for (const name of Object.keys(m.volumes ?? {}).sort()) {
    const volume = (m.volumes ?? {})[name] as Volume
    const where = `manifest.toml [volumes] ${name}`
    const mount = mountPath(volume.mount, where)
    if (RESERVED_MOUNTS.some((r) => mount === r || (r !== '/' && mount.startsWith(`${r}/`)))) {
      throw new NisoError('E_MANIFEST_VOLUME', `${where}: mount ${mount} is reserved (${RESERVED_MOUNTS.join(', ')})`)
    }
    mountPoints.push(mount)
    if ('tmpfs' in volume) {
      const size = volume.size ? `size=${byteSize(volume.size)},` : ''
      tmpfs.push(`${mount}:${size}mode=1777,nosuid,nodev`)
      continue
    }
    const host = 'host' in volume ? volume.host : namedVolumePath(ctx.volumesDir, name)
    const item = bindItem(host, mount, where)
    if (volume.mode === 'ro') bindsRo.push(item)
    else binds.push(item)
  }
  const volumes = section('[volumes]').service
  if (binds.length) volumes.BindPaths = binds
  if (bindsRo.length) volumes.BindReadOnlyPaths = bindsRo
  if (tmpfs.length) volumes.TemporaryFileSystem = tmpfs

  const fragments = [...sections]
    .filter(([, d]) => Object.keys(d.unit).length + Object.keys(d.service).length > 0)
    .map(([name, d]) => ({source: `manifest.toml ${name}`, fragment: {Unit: d.unit, Service: d.service}}))
  return {fragments, relaxations, warnings, mountPoints}
}

/** Where a named volume lives on the host: shared by name, kept across versions and rollbacks. */
export function namedVolumePath(volumesDir: string, name: string): string {
  return path.posix.join(volumesDir, name)
}

/** The manifest's named volumes (neither a host bind nor a tmpfs) and their host directories. */
export function namedVolumes(m: Readonly<Manifest>, volumesDir: string): {name: string; path: string}[] {
  return Object.entries(m.volumes ?? {})
    .filter(([, v]) => !('tmpfs' in v) && !('host' in v))
    .map(([name]) => ({name, path: namedVolumePath(volumesDir, name)}))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
}

/** One `relax` entry ("Directive=value" or a named alias like "jit") as a relaxation request. */
function relaxRequest(entry: string): RelaxationRequest {
  const alias = RELAX_ALIASES[entry]
  const m = alias ? ['', ...alias] : /^([A-Za-z]+)=(.*)$/.exec(entry)
  const name = m?.[1] ?? ''
  const spec = isDirectiveName(name) ? DIRECTIVES[name] : undefined
  if (!m || !spec || (spec.kind !== 'restrict' && spec.kind !== 'intersect')) {
    throw new NisoError(
      'E_MANIFEST_RELAX',
      `${SECURITY} relax: "${entry}" is not a relaxation; write "Directive=value" for a hardening directive (e.g. "MemoryDenyWriteExecute=no") or "jit"`,
    )
  }
  const raw = m[2] ?? ''
  const value = spec.kind === 'intersect' ? raw.split(/\s+/).filter((x) => x !== '') : raw
  return {directive: name, value, reason: `relax = "${entry}"`, by: SECURITY}
}
