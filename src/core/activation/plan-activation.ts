import type {Contribution, HostView, IsolationPreset, Manifest, RuntimeProvider} from '@niso/plugin-sdk'

import {healthUnitNames, renderHealthUnits} from '../health/health-units.js'
import {probeSpec} from '../health/probe-spec.js'
import type {NisoPaths} from '../paths.js'
import {bindFragment} from '../plan/binds.js'
import {namedVolumes} from '../plan/manifest-unit.js'
import {type NetworkContribution, planUnit} from '../plan/plan-unit.js'
import type {Provided} from '../plugins/provided.js'
import type {ActivationPlan} from './activation-plan.js'
import {type HealthGateFiles, healthGateRootfs, healthGateUnit} from './health-gate.js'
import {hostRootfs, providesHosts} from './host-rootfs.js'
import {serviceLayout, versionLayout} from './layout.js'
import {layoutRootfs} from './rootfs-layout.js'
import {sandboxProperties} from './sandbox-properties.js'

export interface PlanInput {
  readonly manifest: Readonly<Manifest>
  readonly packageDir: string
  readonly paths: NisoPaths
  readonly host: HostView
  readonly presets: readonly Provided<IsolationPreset>[]
  readonly runtimes: readonly Provided<RuntimeProvider>[]
  /** The network backend's contribution for this service (phase "network"), when one is in use. */
  readonly network?: NetworkInput
  /** Whether a path (relative to the package root) is in the package, to place a bare entrypoint. */
  readonly hasFile?: (relPath: string) => boolean
  /** The node binary and start-gate script bound into the rootfs of services with a health check. */
  readonly healthGate: HealthGateFiles
  /** argv that runs this niso on the host (for the health probe units). */
  readonly nisoCommand: readonly string[]
  /** Variables the niso probe commands need (NISO_ROOT when relocated). */
  readonly nisoEnv: Readonly<Record<string, string>>
  readonly nisoVersion: string
}

/** A network backend's contribution, the namespace the service joins, and what the plan shows. */
export interface NetworkInput extends NetworkContribution {
  /** The namespace the service joins (its periodic health checks join it too). */
  readonly netnsPath?: string
  readonly summary: NonNullable<ActivationPlan['network']>
}

const HOST = 'niso (rootfs)'
const GATE = 'niso (health gate)'

/**
 * Manifest + providers → the full, printable plan for one activation: the unit from `planUnit`
 * (with the host's rootfs binds and, with a health check, the start gate as host contributions),
 * the rootfs skeleton, the health companions, hooks and the sandbox for hooks. Pure except for
 * what providers read on the host.
 */
export async function planActivation(input: PlanInput): Promise<ActivationPlan> {
  const m = input.manifest
  const app = m.package.name
  const version = m.package.version
  const layout = versionLayout(serviceLayout(input.paths, app), version)
  const health = m.healthcheck ? probeSpec(m.healthcheck) : undefined

  // On a network, /etc/hosts comes from the backend (the peers, kept up to date).
  const hostSteps = hostRootfs(m, {hostsFromNetwork: providesHosts(input.network)})
  const gateSteps = health ? await healthGateRootfs(input.healthGate, input.host) : []
  const hostname = input.network?.summary.hostname
  const extra: Contribution[] = [
    {phase: 'host', source: HOST, fragment: bindFragment(hostSteps, HOST)},
    ...(health
      ? [
          {phase: 'host' as const, source: GATE, fragment: healthGateUnit(health)},
          {phase: 'host' as const, source: GATE, fragment: bindFragment(gateSteps, GATE)},
          // The service brings its health timer along whenever it starts, at boot too.
          {phase: 'host' as const, source: GATE, fragment: {Unit: {Wants: [healthUnitNames(app).timer]}}},
        ]
      : []),
  ]
  const unit = await planUnit({
    manifest: m,
    packageDir: input.packageDir,
    presets: input.presets,
    runtimes: input.runtimes,
    host: input.host,
    paths: input.paths,
    nisoVersion: input.nisoVersion,
    rootDirectory: layout.root,
    extra,
    ...(input.network ? {network: input.network} : {}),
    ...(hostname ? {hostname} : {}),
    ...(input.hasFile ? {hasFile: input.hasFile} : {}),
  })
  const rootfs = layoutRootfs(
    [
      ...hostSteps.map((step) => ({step, from: HOST})),
      ...unit.rootfs.map((step) => ({step, from: unit.runtime ? `runtime "${unit.runtime.id}"` : 'network backend'})),
    ],
    unit.fragment,
  )
  const healthUnits = health
    ? renderHealthUnits(app, health, input.nisoCommand, input.nisoEnv, input.network?.netnsPath)
    : undefined
  const hooks = m.hooks ?? {}

  return {
    app,
    version,
    packageDir: input.packageDir,
    unitName: unit.unitName,
    unitText: unit.text,
    ...(health && healthUnits
      ? {
          health: {
            spec: health,
            timerText: healthUnits.timer.text,
            serviceText: healthUnits.service.text,
            ...(hooks.on_unhealthy ? {onUnhealthy: hooks.on_unhealthy} : {}),
          },
        }
      : {}),
    rootfs,
    ...(input.network ? {network: input.network.summary} : {}),
    volumes: namedVolumes(m, input.paths.volumes),
    hooks: {
      ...(hooks.pre_activate ? {preActivate: hooks.pre_activate} : {}),
      ...(hooks.post_activate ? {postActivate: hooks.post_activate} : {}),
      ...(hooks.pre_deactivate ? {preDeactivate: hooks.pre_deactivate} : {}),
      ...(hooks.post_deactivate ? {postDeactivate: hooks.post_deactivate} : {}),
    },
    sandboxProperties: sandboxProperties(unit.fragment),
    preset: unit.preset.id,
    ...(m.runtime?.use ? {runtime: m.runtime.use} : {}),
    ...(unit.preset.exposureBudget === undefined ? {} : {exposureBudget: unit.preset.exposureBudget}),
    relaxations: unit.relaxations,
    contributors: unit.contributors,
    labels: unit.labels,
    warnings: unit.warnings,
  }
}
