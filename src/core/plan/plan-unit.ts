import path from 'node:path'

import {
  type Contribution,
  type ExtraSection,
  type HostView,
  type IsolationPreset,
  type Manifest,
  type MergedUnit,
  type RelaxationRequest,
  type RootfsStep,
  type RuntimeProvider,
  type UnitFragment,
  UnitError,
  mergeUnit,
  mountTarget,
  renderUnit,
  resolvePreset,
  validateFragment,
  valueText,
} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import type {NisoPaths} from '../paths.js'
import type {Provided} from '../plugins/provided.js'
import {unitNameFor} from '../unit/name.js'
import {bindFragment} from './binds.js'
import {hostBase} from './host-base.js'
import {checkIdentity} from './identity.js'
import {manifestUnit} from './manifest-unit.js'
import {awaitHostname, planHostname} from './service-hostname.js'
import {runtimePhase} from './runtime-phase.js'

export const DEFAULT_PRESET = 'server'

/** A network backend's contribution (phase "network"), planned by the caller. */
export interface NetworkContribution {
  /** "name@version" of the plugin, for Contributors=. */
  readonly plugin: string
  /** As messages name it: `@niso/plugin-net-nftables (network "bridge")`. */
  readonly source: string
  readonly unit: UnitFragment
  readonly rootfs?: readonly RootfsStep[]
}

export interface PlanUnitInput {
  readonly manifest: Readonly<Manifest>
  /** The installed package directory on the host (bound read-only at /app). */
  readonly packageDir: string
  readonly presets: readonly Provided<IsolationPreset>[]
  readonly runtimes: readonly Provided<RuntimeProvider>[]
  /** What providers may read about the host. */
  readonly host: HostView
  readonly paths: NisoPaths
  /** Written in the header; goldens use "TEST". */
  readonly nisoVersion: string
  /** RootDirectory=; default <paths.rootfs>/<app>. */
  readonly rootDirectory?: string
  readonly network?: NetworkContribution
  /** The service's own hostname (it has a network): set in its UTS namespace before its command runs. */
  readonly hostname?: string
  /** More host contributions (e.g. the health gate), merged in their phase under the same rules. */
  readonly extra?: readonly Contribution[]
  /** Whether a path (relative to the package root) exists in the package, to place the entrypoint. */
  readonly hasFile?: (relPath: string) => boolean
}

export interface AppliedRelaxation {
  readonly directive: string
  readonly value: string
  readonly reason: string
  readonly by: string
}

export interface UnitPlan {
  readonly unitName: string
  /** The rendered unit file. */
  readonly text: string
  /** The merged directives the text renders. */
  readonly fragment: MergedUnit
  /** Who set each directive's final value. */
  readonly sources: Readonly<Record<string, readonly string[]>>
  /** "name@version" of niso and every plugin that contributed. */
  readonly contributors: readonly string[]
  readonly relaxations: readonly AppliedRelaxation[]
  readonly warnings: readonly string[]
  readonly preset: {readonly id: string; readonly chain: readonly string[]; readonly exposureBudget?: number}
  readonly runtime?: {readonly id: string; readonly version: string}
  /** Rootfs steps from the runtime and network (their binds are already Bind*Paths= in the unit). */
  readonly rootfs: readonly RootfsStep[]
  /** Paths inside the rootfs that mounts need (the rootfs assembly creates them). */
  readonly mountPoints: readonly string[]
  readonly labels: Readonly<Record<string, string>>
}

/**
 * Manifest + providers → the hardened unit for one app version. Phases, in order: host base →
 * preset (its `extends` chain resolved) → runtime (or the compiled binary) → network → manifest
 * → host invariants (identity, an ExecStart). Pure apart from what providers read on the host.
 */
export async function planUnit(input: PlanUnitInput): Promise<UnitPlan> {
  const m = input.manifest
  const app = m.package.name
  const version = m.package.version
  const nisoRef = `niso@${input.nisoVersion}`

  const preset = choosePreset(m.isolation?.preset ?? DEFAULT_PRESET, input.presets)
  const runtime = await runtimePhase(input)
  const own = manifestUnit(m, {volumesDir: input.paths.volumes})

  const rootDirectory = input.rootDirectory ?? path.join(input.paths.rootfs, app)
  const named = input.hostname ? await planHostname(input.hostname, input.host) : undefined
  const contributions: Contribution[] = [
    {phase: 'host', source: 'niso', fragment: hostBase({app, version, packageDir: input.packageDir, rootDirectory})},
    {phase: 'preset', source: preset.source, fragment: preset.unit},
    ...runtime.contributions,
    ...(input.network
      ? [
          {phase: 'network' as const, source: input.network.source, fragment: input.network.unit},
          {
            phase: 'network' as const,
            source: input.network.source,
            fragment: bindFragment(input.network.rootfs ?? [], input.network.source),
          },
        ]
      : []),
    ...own.fragments.map((f) => ({phase: 'manifest' as const, ...f})),
    // Before the extras (the start gate): the name is set before the service is probed.
    ...(named?.contributions ?? []),
    ...(input.extra ?? []),
  ]
  const requested: RelaxationRequest[] = [...runtime.needs, ...own.relaxations]
  const merged = unitErrors(() =>
    mergeUnit(contributions, {policy: {preset: preset.id, permits: preset.permits}, relaxations: requested}),
  )

  // Host invariants: checks on the merged unit that no plugin can influence.
  if (merged.unit.Service.ExecStart === undefined) {
    throw new NisoError(
      'E_NO_EXECSTART',
      `runtime "${runtime.runtime?.id}" (${runtime.runtime?.plugin}) set no ExecStart=; the unit would not start`,
    )
  }
  const unit = input.hostname ? awaitHostname(merged.unit, input.hostname) : merged.unit
  const warnings = [...own.warnings, ...checkIdentity(unit, preset.id)]

  const relaxations = merged.relaxations.map((r) => ({
    directive: r.directive,
    value: valueText(r.value),
    reason: r.reason,
    by: r.by,
  }))
  const contributors = [
    ...new Set([
      nisoRef,
      ...preset.plugins,
      ...(runtime.runtime ? [runtime.runtime.plugin] : []),
      ...(input.network ? [input.network.plugin] : []),
    ]),
  ]
  const labels = {...(m.labels ?? {})}
  const unitName = unitNameFor(app)
  const xNiso: ExtraSection = {
    name: 'X-Niso',
    entries: [
      ['Package', `${app}@${version}`],
      ['Preset', preset.chainText],
      ['Runtime', m.runtime?.use ?? 'none (compiled binary)'],
      ...(preset.exposureBudget === undefined ? [] : ([['ExposureBudget', preset.exposureBudget.toFixed(1)]] as const)),
      ['Contributors', contributors.join(' ')],
      ...relaxations.map(
        (r) => ['Relaxations', `${r.directive}=${r.value} for ${r.by}: ${oneLine(r.reason)}`] as const,
      ),
      ...Object.keys(labels)
        .sort()
        .map((k) => ['Label', `${oneLine(k)}=${oneLine(labels[k] ?? '')}`] as const),
    ],
  }
  const text = renderUnit(unit, {
    header: [
      `Generated by niso ${input.nisoVersion} from ${app}@${version} — edit ${unitName}.d/*.conf for local overrides`,
    ],
    extra: [xNiso],
  })
  return {
    unitName,
    text,
    fragment: unit,
    sources: merged.sources,
    contributors,
    relaxations,
    warnings,
    preset: {
      id: preset.id,
      chain: preset.chain,
      ...(preset.exposureBudget === undefined ? {} : {exposureBudget: preset.exposureBudget}),
    },
    ...(runtime.runtime ? {runtime: {id: runtime.runtime.id, version: runtime.runtime.version}} : {}),
    rootfs: [...runtime.rootfs, ...(input.network?.rootfs ?? []), ...(named?.rootfs ?? [])],
    mountPoints: mountPoints(unit, own.mountPoints),
    labels,
  }
}

interface ChosenPreset {
  readonly id: string
  readonly chain: readonly string[]
  readonly chainText: string
  readonly source: string
  readonly unit: UnitFragment
  readonly permits: readonly string[]
  readonly exposureBudget?: number
  readonly plugins: readonly string[]
}

/** The manifest's preset with its `extends` chain; every preset in the chain is validated, naming its plugin. */
function choosePreset(id: string, presets: readonly Provided<IsolationPreset>[]): ChosenPreset {
  const byId = new Map(presets.map((p) => [p.provider.id, p]))
  if (!byId.has(id)) {
    const available = [...byId.keys()].sort().join(', ') || 'none installed'
    throw new NisoError(
      'E_UNKNOWN_PRESET',
      `manifest.toml [isolation] preset: unknown preset "${id}" (available: ${available})`,
    )
  }
  const resolved = unitErrors(() =>
    resolvePreset(
      id,
      presets.map((p) => p.provider),
    ),
  )
  const chain = resolved.chain.map((p) => byId.get(p.id) as Provided<IsolationPreset>)
  for (const p of chain) unitErrors(() => validateFragment(p.provider.unit, presetSource(p)))
  const selected = chain.at(-1) as Provided<IsolationPreset>
  const ids = chain.map((p) => p.provider.id)
  return {
    id,
    chain: ids,
    chainText: [...ids].reverse().join(' extends '),
    source:
      chain.length > 1
        ? `${presetSource(selected)} extending ${ids.slice(0, -1).reverse().join(', ')}`
        : presetSource(selected),
    unit: resolved.unit,
    permits: resolved.permits,
    ...(resolved.exposureBudget === undefined ? {} : {exposureBudget: resolved.exposureBudget}),
    plugins: [...new Set(chain.map((p) => p.plugin))],
  }
}

function presetSource(p: Provided<IsolationPreset>): string {
  return `${p.pluginName} (preset "${p.provider.id}")`
}

/** Mount points inside the rootfs: every Bind*Paths= and TemporaryFileSystem= target, plus volumes. */
function mountPoints(unit: MergedUnit, volumes: readonly string[]): string[] {
  const targets = new Set<string>(volumes)
  for (const name of ['BindReadOnlyPaths', 'BindPaths', 'TemporaryFileSystem'] as const) {
    const items = unit.Service[name]
    for (const item of Array.isArray(items) ? items : []) {
      targets.add(mountTarget(name, item))
    }
  }
  return [...targets].sort()
}

function oneLine(text: string): string {
  return text.replace(/[\n\r\0]+/g, ' ')
}

/** SDK unit errors become the host's one-line user errors, same code. */
function unitErrors<T>(fn: () => T): T {
  try {
    return fn()
  } catch (error) {
    if (error instanceof UnitError) throw new NisoError(error.code, error.message)
    throw error
  }
}
