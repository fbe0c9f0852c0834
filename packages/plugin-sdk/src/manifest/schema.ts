import * as v from 'valibot'

import {
  ENV_NAME_RE,
  PACKAGE_NAME_RE,
  RUNTIME_REF_RE,
  SIGNAL_RE,
  VERSION_RE,
  absolutePath,
  duration,
  packagePath,
  percent,
  size,
  unitName,
} from './formats.js'

/**
 * The manifest.toml schema: the single source of manifest truth. Every table is strict, so an
 * unknown key is an error naming its path, never silently ignored. Types are inferred below.
 */

export const ARCHES = ['x86_64', 'aarch64', 'any'] as const

const PackageSection = v.strictObject({
  name: v.pipe(
    v.string(),
    v.regex(PACKAGE_NAME_RE, 'must be lowercase letters, digits, ".", "_" or "-" (optionally @scope/)'),
  ),
  version: v.pipe(v.string(), v.regex(VERSION_RE, 'must be a semantic version like "1.2.3"')),
  arch: v.optional(v.picklist(ARCHES, `must be one of ${ARCHES.join(', ')}`)),
  description: v.optional(v.string()),
  license: v.optional(v.string()),
  authors: v.optional(v.array(v.string())),
})

const BinarySection = v.strictObject({
  entrypoint: v.pipe(v.string(), v.minLength(1, 'must not be empty')),
  args: v.optional(v.array(v.string()), []),
  working_dir: v.optional(absolutePath, '/app'),
})

const RuntimeSection = v.strictObject({
  use: v.optional(v.pipe(v.string(), v.regex(RUNTIME_REF_RE, 'must be "<runtime>:<version>", e.g. "nodejs:20"'))),
  init: v.optional(v.boolean()),
  stop_signal: v.optional(v.pipe(v.string(), v.regex(SIGNAL_RE, 'must be a signal name like "SIGTERM"'))),
  stop_timeout: v.optional(duration),
  /** Options for the runtime plugin; the runtime provider validates them with its own schema. */
  options: v.optional(v.record(v.string(), v.unknown())),
})

const EnvironmentSection = v.pipe(
  v.record(v.string(), v.string()),
  v.check(
    (env) => Object.keys(env).every((k) => k === 'env_file' || ENV_NAME_RE.test(k)),
    'keys must be environment variable names ([A-Za-z_][A-Za-z0-9_]*)',
  ),
  v.check(
    (env) => env.env_file === undefined || env.env_file.startsWith('/'),
    'env_file must be an absolute host path',
  ),
)

export const RESTART_POLICIES = [
  'no',
  'on-success',
  'on-failure',
  'on-abnormal',
  'on-watchdog',
  'on-abort',
  'always',
] as const
export const SERVICE_TYPES = ['simple', 'exec', 'notify', 'oneshot'] as const

const ServiceSection = v.strictObject({
  type: v.optional(v.picklist(SERVICE_TYPES, `must be one of ${SERVICE_TYPES.join(', ')}`)),
  user: v.optional(v.string()),
  group: v.optional(v.string()),
  restart: v.optional(v.picklist(RESTART_POLICIES, `must be one of ${RESTART_POLICIES.join(', ')}`)),
  restart_delay: v.optional(duration),
  stop_timeout: v.optional(duration),
  after: v.optional(v.array(unitName)),
})

const HealthcheckSection = v.pipe(
  v.strictObject({
    http: v.optional(v.pipe(v.string(), v.url('must be a URL like "http://127.0.0.1:8080/health"'))),
    tcp: v.optional(v.pipe(v.string(), v.regex(/^[^:\s]+:\d{1,5}$/, 'must be "host:port"'))),
    exec: v.optional(v.array(v.string())),
    interval: v.optional(duration),
    timeout: v.optional(duration),
    retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    start_period: v.optional(duration),
  }),
  v.check(
    (h) => [h.http, h.tcp, h.exec].filter((x) => x !== undefined).length === 1,
    'needs exactly one probe: http, tcp or exec',
  ),
)

export const PORT_RE = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})(?:\/(tcp|udp))?$/

const NetworkPolicy = v.strictObject({
  allow_from: v.optional(v.array(v.string())),
  deny_from: v.optional(v.array(v.string())),
  egress: v.optional(
    v.strictObject({
      allow: v.optional(v.array(v.string())),
      deny: v.optional(v.array(v.string())),
    }),
  ),
})

const NetworkSection = v.strictObject({
  network: v.optional(v.string()),
  ports: v.optional(
    v.array(
      v.pipe(v.string(), v.regex(PORT_RE, 'must be "host:container", "host:container/udp" or "ip:host:container"')),
    ),
  ),
  hostname: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'must be a DNS label'))),
  ip: v.optional(v.pipe(v.string(), v.ipv4('must be an IPv4 address'))),
  policy: v.optional(NetworkPolicy),
})

const Ulimit = v.strictObject({
  soft: v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.literal('infinity')]),
  hard: v.union([v.pipe(v.number(), v.integer(), v.minValue(0)), v.literal('infinity')]),
})

const IsolationSection = v.strictObject({
  preset: v.optional(v.string()),
  resources: v.optional(
    v.strictObject({
      memory_max: v.optional(size),
      memory_high: v.optional(size),
      cpu_max: v.optional(percent),
      pids_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
      shm_size: v.optional(size),
      io_weight: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10000))),
      ulimits: v.optional(v.record(v.string(), Ulimit)),
    }),
  ),
  security: v.optional(
    v.strictObject({
      seccomp: v.optional(v.string()),
      capabilities_add: v.optional(v.array(v.string())),
      capabilities_drop: v.optional(v.array(v.string())),
      no_new_privileges: v.optional(v.boolean()),
      /** Relaxations asked for by name, each checked against what the preset permits. */
      relax: v.optional(v.array(v.string())),
    }),
  ),
})

const VolumeMode = v.picklist(['rw', 'ro'], 'must be "rw" or "ro"')
const Volume = v.union(
  [
    v.strictObject({mount: absolutePath, tmpfs: v.literal(true), size: v.optional(size)}),
    v.strictObject({mount: absolutePath, host: absolutePath, mode: v.optional(VolumeMode, 'ro')}),
    v.strictObject({mount: absolutePath, mode: v.optional(VolumeMode, 'rw')}),
  ],
  'must be { mount, mode } (named), { mount, tmpfs = true, size } or { mount, host, mode } (bind)',
)

const HooksSection = v.strictObject({
  pre_activate: v.optional(packagePath),
  post_activate: v.optional(packagePath),
  pre_deactivate: v.optional(packagePath),
  post_deactivate: v.optional(packagePath),
  on_unhealthy: v.optional(packagePath),
})

const CopySection = v.strictObject({
  include: v.optional(v.array(packagePath)),
})

export const ManifestSchema = v.strictObject({
  package: PackageSection,
  binary: v.optional(BinarySection),
  runtime: v.optional(RuntimeSection),
  environment: v.optional(EnvironmentSection),
  service: v.optional(ServiceSection),
  healthcheck: v.optional(HealthcheckSection),
  network: v.optional(NetworkSection),
  isolation: v.optional(IsolationSection),
  volumes: v.optional(
    v.record(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_.-]*$/, 'volume names must be lowercase')), Volume),
  ),
  labels: v.optional(v.record(v.string(), v.string())),
  hooks: v.optional(HooksSection),
  copy: v.optional(CopySection),
})

export type Manifest = v.InferOutput<typeof ManifestSchema>
export type ManifestInput = v.InferInput<typeof ManifestSchema>
export type Volume = v.InferOutput<typeof Volume>
export type Healthcheck = v.InferOutput<typeof HealthcheckSection>
export type Arch = (typeof ARCHES)[number]
