import type {IsolationPreset, NetworkBackend, RuntimeProvider, Scanner} from '@niso/plugin-sdk'

/** A plugin as messages and provenance name it. */
export interface PluginRef {
  readonly name: string
  readonly version: string
}

/** A validated provider and the plugin it came from. */
export interface Provided<T> {
  readonly provider: T
  /** "name@version", as [X-Niso] Contributors= lists it. */
  readonly plugin: string
  readonly pluginName: string
}

export interface ProviderTypes {
  runtime: RuntimeProvider
  preset: IsolationPreset
  network: NetworkBackend
  scanner: Scanner
}

/** Every discovered provider, by kind, each list in (tier, plugin name, id) order. */
export type ProviderSet = {readonly [K in keyof ProviderTypes]: readonly Provided<ProviderTypes[K]>[]}

/** The noun a provider kind has in messages. */
export const PROVIDER_NOUN: Readonly<Record<keyof ProviderTypes, string>> = {
  runtime: 'runtime',
  preset: 'preset',
  network: 'network backend',
  scanner: 'scanner',
}

export function pluginLabel(plugin: PluginRef): string {
  return `${plugin.name}@${plugin.version}`
}
