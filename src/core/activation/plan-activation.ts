import {
  APP_DIR,
  DIRECTIVES,
  type DirectiveName,
  type HostView,
  type IsolationPreset,
  type Manifest,
  ProviderError,
  type RootfsStep,
  type RuntimePlan,
  type RuntimeProvider,
  type UnitFragment,
  execLine,
} from '@niso/plugin-sdk'

import {NisoError, messageOf} from '../errors.js'
import {renderHealthUnits} from '../health/health-units.js'
import {type ProbeSpec, probeSpec, startBudgetMs, startPollMs} from '../health/probe-spec.js'
import type {ActivationPlan} from './activation-plan.js'
import {serviceLayout, versionLayout} from './layout.js'
import {droppedCapabilities, manifestFragment} from './manifest-fragment.js'
import {type ContributedStep, bindDirectives, layoutRootfs} from './rootfs-layout.js'
import {type Contribution, type RequestedRelaxation, mergeUnit} from './unit-merge.js'
import {renderUnit} from './unit-render.js'
import type {NisoPaths} from '../paths.js'

export interface Provided<T> {
  readonly provider: T
  /** The plugin that contributed it, e.g. "@niso/plugin-runtime-nodejs@1.0.0". */
  readonly plugin: string
}

export interface PlanInput {
  readonly manifest: Readonly<Manifest>
  readonly packageDir: string
  readonly paths: NisoPaths
  readonly host: HostView
  readonly presets: readonly Provided<IsolationPreset>[]
  readonly runtimes: readonly Provided<RuntimeProvider>[]
  /** Host paths of the node binary and the self-contained start-gate script (bound into the rootfs). */
  readonly healthGate: {readonly node: string; readonly script: string}
  /** argv that runs this niso on the host (for the health probe units). */
  readonly nisoCommand: readonly string[]
  /** Variables the niso probe commands need (NISO_ROOT when relocated). */
  readonly nisoEnv: Readonly<Record<string, string>>
  readonly nisoVersion: string
  /** The network backend's plan for this service, when it joins a network. */
  readonly network?: NetworkInput
}

/** A network backend's contribution: unit directives and rootfs steps, and what the plan shows. */
export interface NetworkInput {
  /** As messages name it: `@niso/plugin-net-nftables (network "bridge")`. */
  readonly source: string
  readonly unit: UnitFragment
  readonly rootfs: readonly RootfsStep[]
  /** The namespace the service joins (its health checks join it too). */
  readonly netnsPath?: string
  readonly summary: NonNullable<ActivationPlan['network']>
}

export const DEFAULT_PRESET = 'server'

/** Manifest + providers → the full, printable plan for one activation. Pure except for provider reads. */
export async function planActivation(input: PlanInput): Promise<ActivationPlan> {
  const m = input.manifest
  const app = m.package.name
  const version = m.package.version
  const service = serviceLayout(input.paths, app)
  const layout = versionLayout(service, version)
  const warnings: string[] = []

  const presetId = m.isolation?.preset ?? DEFAULT_PRESET
  const preset = resolvePreset(presetId, input.presets)

  const runtime = m.runtime?.use ? await resolveRuntime(input, m.runtime.use) : undefined
  const compiled = runtime ? undefined : await compiledBinary(input)
  const health = m.healthcheck ? probeSpec(m.healthcheck) : undefined
  const gate = health ? await healthGateSteps(input) : []
  const steps: ContributedStep[] = [
    ...[...hostRootfs(input), ...gate].map((step) => ({step, from: 'host'})),
    ...(input.network?.rootfs ?? []).map((step) => ({step, from: input.network?.source ?? 'network'})),
    ...(runtime?.plan.rootfs ?? compiled?.rootfs ?? []).map((step) => ({
      step,
      from: runtime ? `runtime "${runtime.id}"` : 'compiled binary',
    })),
  ]
  const rootfs = layoutRootfs(steps)

  const manifestPart = manifestFragment(m)
  checkIdentity(m, preset.unit, presetId)

  const contributions: Contribution[] = [
    {
      phase: 'host',
      from: 'niso',
      fragment: hostFragment(input, layout.root, health),
    },
    {phase: 'host', from: 'niso (rootfs)', fragment: bindDirectives(rootfs.binds)},
    ...preset.chain.map((p) => ({
      phase: 'preset' as const,
      from: `preset "${p.provider.id}" (${p.plugin})`,
      fragment: p.provider.unit,
    })),
    runtime
      ? {phase: 'runtime', from: runtime.from, fragment: runtime.plan.unit}
      : {phase: 'runtime', from: 'compiled binary', fragment: compiled?.fragment ?? {}},
    ...(input.network ? [{phase: 'network' as const, from: input.network.source, fragment: input.network.unit}] : []),
    {phase: 'manifest', from: 'manifest.toml', fragment: manifestPart.fragment},
  ]
  const dropped = droppedCapabilities(m)
  if (dropped.length) {
    const keep = (capabilitiesOf(preset.unit) ?? ALL_CAPS).filter((c) => !dropped.includes(c))
    contributions.push({phase: 'manifest', from: 'manifest.toml', fragment: {Service: {CapabilityBoundingSet: keep}}})
  }
  const relaxations: RequestedRelaxation[] = [
    ...(runtime?.plan.needs ?? []).map((r) => ({...r, from: runtime?.from ?? 'runtime'})),
    ...manifestPart.relaxations,
  ]
  const merged = mergeUnit(contributions, relaxations, {preset: presetId, permits: new Set(preset.permits)})
  enforceInvariants(merged, layout.root, presetId)

  const contributors = [...new Set(contributions.map((c) => c.from))]
  const unitText = renderUnit({
    merged,
    app,
    version,
    nisoVersion: input.nisoVersion,
    xNiso: {
      Package: `${app}@${version}`,
      Preset: presetId,
      Runtime: runtime ? `${runtime.id}:${m.runtime?.use?.split(':')[1]}` : 'none (compiled)',
      Contributors: contributors.join('; '),
      Relaxations: relaxations.map((r) => `${r.directive}=${[r.value].flat().join(' ')} (${r.reason})`).join('; '),
      Labels: Object.keys(m.labels ?? {}).length ? JSON.stringify(m.labels) : '',
    },
  })
  const healthUnits = health
    ? renderHealthUnits(app, health, input.nisoCommand, input.nisoEnv, input.network?.netnsPath)
    : undefined

  return {
    app,
    version,
    packageDir: input.packageDir,
    unitName: service.unitName,
    unitText,
    ...(health && healthUnits
      ? {
          health: {
            spec: health,
            timerText: healthUnits.timer.text,
            serviceText: healthUnits.service.text,
            ...(m.hooks?.on_unhealthy ? {onUnhealthy: m.hooks.on_unhealthy} : {}),
          },
        }
      : {}),
    rootfs,
    ...(input.network ? {network: input.network.summary} : {}),
    hooks: {
      ...(m.hooks?.pre_activate ? {preActivate: m.hooks.pre_activate} : {}),
      ...(m.hooks?.post_activate ? {postActivate: m.hooks.post_activate} : {}),
      ...(m.hooks?.pre_deactivate ? {preDeactivate: m.hooks.pre_deactivate} : {}),
      ...(m.hooks?.post_deactivate ? {postDeactivate: m.hooks.post_deactivate} : {}),
    },
    sandboxProperties: sandboxProperties(merged),
    preset: presetId,
    ...(runtime ? {runtime: m.runtime?.use ?? runtime.id} : {}),
    relaxations: relaxations.map(({from: _from, ...r}) => r),
    contributors,
    labels: {...(m.labels ?? {})},
    warnings,
  }
}

// ---- presets ---------------------------------------------------------------------------------

interface ResolvedPreset {
  readonly chain: readonly Provided<IsolationPreset>[]
  readonly unit: UnitFragment
  readonly permits: readonly string[]
}

export function resolvePreset(id: string, presets: readonly Provided<IsolationPreset>[]): ResolvedPreset {
  const byId = new Map(presets.map((p) => [p.provider.id, p]))
  const chain: Provided<IsolationPreset>[] = []
  for (let cur: string | undefined = id; cur !== undefined;) {
    const found = byId.get(cur)
    if (!found) {
      const known = [...byId.keys()].sort().join(', ')
      throw new NisoError(
        'E_UNKNOWN_PRESET',
        chain.length
          ? `preset "${chain.at(-1)?.provider.id}" extends unknown preset "${cur}" (known: ${known})`
          : `manifest.toml isolation.preset: unknown preset "${cur}" (known: ${known})`,
      )
    }
    if (chain.includes(found)) {
      throw new NisoError(
        'E_PRESET_CYCLE',
        `preset "${id}" extends itself: ${[...chain, found].map((p) => p.provider.id).join(' → ')}`,
      )
    }
    chain.push(found)
    cur = found.provider.extends
  }
  chain.reverse()
  const service: Record<string, string | string[]> = {}
  for (const p of chain) Object.assign(service, p.provider.unit.Service ?? {})
  // A preset's own permits are what counts: extending a preset never widens what it may loosen.
  return {chain, unit: {Service: service}, permits: chain.at(-1)?.provider.permits ?? []}
}

// ---- runtimes --------------------------------------------------------------------------------

async function resolveRuntime(input: PlanInput, use: string): Promise<{id: string; from: string; plan: RuntimePlan}> {
  const [id = '', version = ''] = use.split(':')
  const found = input.runtimes.find((r) => r.provider.id === id)
  if (!found) {
    const known =
      input.runtimes
        .map((r) => r.provider.id)
        .sort()
        .join(', ') || 'none installed'
    throw new NisoError('E_UNKNOWN_RUNTIME', `manifest.toml runtime.use: unknown runtime "${id}" (available: ${known})`)
  }
  const from = `runtime "${id}" (${found.plugin})`
  try {
    const plan = await found.provider.resolve(
      deepFreeze({
        app: {
          name: input.manifest.package.name,
          version: input.manifest.package.version,
          dir: input.packageDir,
          manifest: input.manifest,
        },
        runtime: {id, version},
        host: input.host,
      }),
    )
    return {id, from, plan}
  } catch (error) {
    if (error instanceof ProviderError)
      throw new NisoError(error.code, error.message, error.hint ? {hint: error.hint} : {})
    throw new NisoError('E_RUNTIME', `${from} failed to plan: ${messageOf(error)}`)
  }
}

/** A compiled app: ExecStart is the package's binary, and the rootfs gets its shared-library closure. */
async function compiledBinary(input: PlanInput): Promise<{fragment: UnitFragment; rootfs: RootfsStep[]}> {
  const b = input.manifest.binary
  if (!b) throw new NisoError('E_NO_ENTRYPOINT', 'manifest.toml: [binary].entrypoint is required without [runtime].use')
  const rel = b.entrypoint.includes('/') ? b.entrypoint.replace(/^\/+/, '') : `bin/${b.entrypoint}`
  const libraries = await input.host.probe.libraryClosure(`${input.packageDir}/${rel}`)
  return {
    fragment: {Service: {ExecStart: execLine([`${APP_DIR}/${rel}`, ...b.args]), WorkingDirectory: b.working_dir}},
    rootfs: libraries.map((lib): RootfsStep => ({kind: 'bind-ro', host: lib, target: lib})),
  }
}

// ---- host contributions ----------------------------------------------------------------------

/** What every service's rootfs gets from the host: the app, API mount points, name resolution, CAs. */
function hostRootfs(input: PlanInput): RootfsStep[] {
  const hostname = input.manifest.network?.hostname ?? input.manifest.package.name.replace(/^@/, '').replace('/', '-')
  return [
    ...['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/etc', '/usr', '/home'].map((target): RootfsStep => ({
      kind: 'mkdir',
      target,
      ...(target.endsWith('tmp') ? {mode: 0o1777} : {}),
    })),
    {kind: 'bind-ro', host: input.packageDir, target: APP_DIR},
    {kind: 'bind-ro', host: '/etc/resolv.conf', target: '/etc/resolv.conf', optional: true},
    {kind: 'bind-ro', host: '/etc/ssl/certs', target: '/etc/ssl/certs', optional: true},
    {kind: 'bind-ro', host: '/usr/share/ca-certificates', target: '/usr/share/ca-certificates', optional: true},
    {kind: 'bind-ro', host: '/etc/localtime', target: '/etc/localtime', optional: true},
    // On a network, /etc/hosts comes from the backend (peers, kept up to date).
    ...(input.network?.rootfs.some((s) => s.target === '/etc/hosts')
      ? []
      : [
          {
            kind: 'file',
            target: '/etc/hosts',
            content: `127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t${hostname}\n`,
          } as const,
        ]),
    {
      kind: 'file',
      target: '/etc/passwd',
      content: 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    },
    {kind: 'file', target: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n'},
    {
      kind: 'file',
      target: '/etc/nsswitch.conf',
      content: 'passwd: files systemd\ngroup: files systemd\nhosts: files dns\n',
    },
  ]
}

function hostFragment(input: PlanInput, root: string, health: ProbeSpec | undefined): UnitFragment {
  const app = input.manifest.package.name
  const unit = `niso-${app.replace(/^@/, '').replace('/', '-')}`
  const service: Record<string, string | string[]> = {
    Type: 'exec',
    RootDirectory: root,
    MountAPIVFS: 'yes',
    SyslogIdentifier: unit,
    WorkingDirectory: APP_DIR,
    Restart: 'on-failure',
    RestartSec: '2s',
    TimeoutStopSec: '30s',
    LogRateLimitIntervalSec: '30s',
    LogRateLimitBurst: '10000',
    Environment: [`NISO_APP=${app}`, `NISO_VERSION=${input.manifest.package.version}`],
  }
  if (health) {
    // Start means healthy: the start job completes only when the first probe passes. "+" runs
    // the gate as root, still inside the service's mount and network namespaces.
    const budget = startBudgetMs(health)
    const probe = health.probe
    const target =
      probe.kind === 'http' ? [probe.url] : probe.kind === 'tcp' ? [probe.host, String(probe.port)] : [...probe.command]
    const gate = `${budget},${startPollMs(health)},${health.timeoutMs}`
    service.ExecStartPost = [`+${execLine([GATE_NODE, GATE_SCRIPT, gate, probe.kind, ...target])}`]
    service.TimeoutStartSec = `${Math.ceil(budget / 1000) + 15}s`
  }
  return {
    Unit: {
      Description: `niso app ${app}@${input.manifest.package.version}`,
      After: ['network.target'],
      StartLimitIntervalSec: '60s',
      StartLimitBurst: '5',
    },
    Service: service,
    Install: {WantedBy: ['multi-user.target']},
  }
}

/** Where the start gate's node and script appear inside every rootfs that has a health check. */
const GATE_NODE = '/usr/lib/niso/node'
const GATE_SCRIPT = '/usr/lib/niso/wait-healthy.js'

async function healthGateSteps(input: PlanInput): Promise<RootfsStep[]> {
  const libraries = await input.host.probe.libraryClosure(input.healthGate.node)
  return [
    {kind: 'bind-ro', host: input.healthGate.node, target: GATE_NODE},
    {kind: 'bind-ro', host: input.healthGate.script, target: GATE_SCRIPT},
    ...libraries.map((lib): RootfsStep => ({kind: 'bind-ro', host: lib, target: lib})),
  ]
}

// ---- checks ----------------------------------------------------------------------------------

function checkIdentity(m: Readonly<Manifest>, presetUnit: UnitFragment, preset: string): void {
  const dynamic = presetUnit.Service?.DynamicUser === 'yes'
  const user = m.service?.user
  if (dynamic && (user === 'root' || user === '0')) {
    throw new NisoError(
      'E_USER_CONFLICT',
      `manifest.toml service.user: "${user}" cannot run under preset "${preset}", which runs the app as a fresh unprivileged dynamic user; use preset "minimal" or "none" for root`,
    )
  }
  if (dynamic && m.service?.group && !user) {
    throw new NisoError(
      'E_USER_CONFLICT',
      `manifest.toml service.group: a group without a user cannot work under preset "${preset}" (DynamicUser allocates both); set service.user too`,
    )
  }
}

function enforceInvariants(merged: ReturnType<typeof mergeUnit>, root: string, preset: string): void {
  if (merged.get('RootDirectory')?.values[0] !== root) {
    throw new NisoError('E_INVARIANT', `RootDirectory must be niso's rootfs ${root}`)
  }
  if (!merged.get('ExecStart')) throw new NisoError('E_INVARIANT', 'nothing set ExecStart= (no runtime or [binary])')
  if (preset !== 'none' && preset !== 'minimal' && merged.get('ProtectSystem')?.values[0] !== 'strict') {
    throw new NisoError('E_INVARIANT', `preset "${preset}" must keep ProtectSystem=strict`)
  }
}

/** systemd-run -p properties that reproduce the service's sandbox for hooks and one-off runs. */
function sandboxProperties(merged: ReturnType<typeof mergeUnit>): string[] {
  const skip = new Set<string>([
    'ExecStart',
    'ExecStartPre',
    'ExecStartPost',
    'ExecStop',
    'ExecStopPost',
    'Restart',
    'RestartSec',
    'Type',
    'TimeoutStartSec',
    'SyslogIdentifier',
  ])
  const props: string[] = []
  for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
    const spec = DIRECTIVES[name] as {section: string; list?: boolean; joined?: boolean}
    const entry = merged.get(name)
    if (spec.section !== 'Service' || !entry || skip.has(name)) continue
    if (!spec.list) props.push(`${name}=${entry.values.at(-1) ?? ''}`)
    else if (spec.joined || entry.values.length === 0) props.push(`${name}=${entry.values.join(' ')}`)
    else for (const v of entry.values) props.push(`${name}=${v}`)
  }
  return props
}

function capabilitiesOf(unit: UnitFragment): string[] | undefined {
  const v = unit.Service?.CapabilityBoundingSet
  return v === undefined ? undefined : [v].flat().filter((c) => c !== '')
}

const ALL_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SYS_ADMIN',
]

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}
