import type {IsolationPreset, NetworkBackend, RuntimeProvider, Scanner} from './providers.js'

/**
 * The hook events niso fires. Discovery events return providers; lifecycle events are
 * fire-and-forget notifications. Plugins must not use oclif's init/prerun hooks.
 */
export const DISCOVERY_EVENTS = {
  runtime: 'niso:runtimes',
  preset: 'niso:isolation-presets',
  network: 'niso:network-backends',
  scanner: 'niso:scanners',
} as const

export const LIFECYCLE_EVENTS = {
  activated: 'niso:activated',
  deactivated: 'niso:deactivated',
  rolledBack: 'niso:rolled-back',
} as const

export type DiscoveryEvent = (typeof DISCOVERY_EVENTS)[keyof typeof DISCOVERY_EVENTS]
export type LifecycleEvent = (typeof LIFECYCLE_EVENTS)[keyof typeof LIFECYCLE_EVENTS]

/** What every discovery hook receives. */
export interface DiscoveryOptions {
  readonly apiVersion: number
}

/** What every lifecycle hook receives. */
export interface LifecycleOptions {
  readonly app: string
  readonly version: string
  readonly unit: string
  readonly previousVersion?: string
}

/** The typed shape of niso's events, keyed by event name (oclif's Hooks convention). */
export interface NisoHooks {
  'niso:runtimes': {options: DiscoveryOptions; return: RuntimeProvider[]}
  'niso:isolation-presets': {options: DiscoveryOptions; return: IsolationPreset[]}
  'niso:network-backends': {options: DiscoveryOptions; return: NetworkBackend[]}
  'niso:scanners': {options: DiscoveryOptions; return: Scanner[]}
  'niso:activated': {options: LifecycleOptions; return: void}
  'niso:deactivated': {options: LifecycleOptions; return: void}
  'niso:rolled-back': {options: LifecycleOptions; return: void}
}

type DiscoveryHook<T> = (options: DiscoveryOptions) => Promise<T[]>

/** Define the default export of a plugin's `niso:runtimes` hook file. */
export const defineRuntimesHook =
  (providers: readonly RuntimeProvider[]): DiscoveryHook<RuntimeProvider> =>
  async () => [...providers]

/** Define the default export of a plugin's `niso:isolation-presets` hook file. */
export const definePresetsHook =
  (presets: readonly IsolationPreset[]): DiscoveryHook<IsolationPreset> =>
  async () => [...presets]

/** Define the default export of a plugin's `niso:network-backends` hook file. */
export const defineNetworkBackendsHook =
  (backends: readonly NetworkBackend[]): DiscoveryHook<NetworkBackend> =>
  async () => [...backends]

/** Define the default export of a plugin's `niso:scanners` hook file. */
export const defineScannersHook =
  (scanners: readonly Scanner[]): DiscoveryHook<Scanner> =>
  async () => [...scanners]

/** Identity helpers that give plugin authors type checking on a single provider. */
export const defineRuntime = (p: RuntimeProvider): RuntimeProvider => p
export const definePreset = (p: IsolationPreset): IsolationPreset => p
export const defineNetworkBackend = (p: NetworkBackend): NetworkBackend => p
export const defineScanner = (p: Scanner): Scanner => p
