import * as v from 'valibot'

import type {Arch, Manifest} from './manifest/schema.js'
import type {RootfsStep} from './rootfs/steps.js'
import type {DirectiveName} from './unit/directives.js'
import type {DirectiveValue, UnitFragment} from './unit/fragment.js'

/** The plugin API version this SDK describes. The host refuses providers that target another. */
export const PLUGIN_API_VERSION = 1

/** Where a provider sorts among others of its kind: pre < normal < post, then plugin name, then id. */
export const TIERS = ['pre', 'normal', 'post'] as const
export type Tier = (typeof TIERS)[number]

/** A named loosening of a hardening directive, with the reason a user sees. */
export interface Relaxation {
  readonly directive: DirectiveName
  readonly value: DirectiveValue
  readonly reason: string
}

/** Read-only facts about the host a provider may consult while planning (it must not write). */
export interface HostView {
  readonly arch: Arch
  /** Absolute paths derived from NISO_ROOT. */
  readonly paths: {readonly root: string; readonly runtimes: string; readonly packages: string}
}

export interface AppView {
  readonly name: string
  readonly version: string
  /** The installed package directory on the host (mounted read-only at /app). */
  readonly dir: string
  readonly manifest: Readonly<Manifest>
}

// ---- runtimes ------------------------------------------------------------------------------

export interface RuntimeContext {
  readonly app: AppView
  /** The requested runtime, split from [runtime].use ("nodejs:20" → id nodejs, version 20). */
  readonly runtime: {readonly id: string; readonly version: string}
  readonly host: HostView
}

export interface RuntimePlan {
  readonly unit: UnitFragment
  readonly rootfs: readonly RootfsStep[]
  readonly needs?: readonly Relaxation[]
}

export interface RuntimeProvider {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  /** Plans how the app runs under this runtime. May read the host; never writes. */
  resolve(ctx: RuntimeContext): RuntimePlan | Promise<RuntimePlan>
}

// ---- isolation presets ---------------------------------------------------------------------

export interface IsolationPreset {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  /** Another preset whose directives this one starts from. */
  readonly extends?: string
  readonly unit: UnitFragment
  /** Directives this preset lets runtimes or the manifest loosen through a named relaxation. */
  readonly permits?: readonly DirectiveName[]
  /** Maximum `systemd-analyze security` exposure a unit under this preset may score. */
  readonly exposureBudget?: number
}

// ---- network backends ----------------------------------------------------------------------

export interface NetworkContext {
  readonly app: AppView
  readonly host: HostView
}

export interface NetworkPlan {
  readonly unit: UnitFragment
  readonly rootfs: readonly RootfsStep[]
}

export interface NetworkBackend {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  plan(ctx: NetworkContext): NetworkPlan | Promise<NetworkPlan>
}

// ---- scanners ------------------------------------------------------------------------------

export type Severity = 'low' | 'medium' | 'high' | 'critical' | 'unknown'

export interface Finding {
  readonly id: string
  readonly package: string
  readonly version: string
  readonly severity: Severity
  readonly summary: string
  readonly fixedIn?: string
}

export interface ScanContext {
  /** Directory holding the package payload (extracted). */
  readonly dir: string
  readonly manifest: Readonly<Manifest>
}

export interface Scanner {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  scan(ctx: ScanContext): readonly Finding[] | Promise<readonly Finding[]>
}

// ---- validation of what plugins return -----------------------------------------------------

const ProviderBase = {
  id: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, 'must be a lowercase id like "nodejs"')),
  apiVersion: v.pipe(v.number(), v.integer()),
  description: v.pipe(v.string(), v.minLength(1, 'must describe the provider')),
  tier: v.optional(v.picklist(TIERS)),
}

/** The data part of each provider kind; functions are checked to be functions. */
export const ProviderSchemas = {
  runtime: v.object({...ProviderBase, resolve: v.function()}),
  preset: v.object({
    ...ProviderBase,
    extends: v.optional(v.string()),
    unit: v.record(v.string(), v.unknown()),
    permits: v.optional(v.array(v.string())),
    exposureBudget: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(10))),
  }),
  network: v.object({...ProviderBase, plan: v.function()}),
  scanner: v.object({...ProviderBase, scan: v.function()}),
} as const

export type ProviderKind = keyof typeof ProviderSchemas
