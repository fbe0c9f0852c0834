import {DISCOVERY_EVENTS, type ProviderKind} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import type {ProviderSet} from './provided.js'
import {settleProviders} from './settle-providers.js'

/** A plugin given as its exported provider arrays, the way tests and goldens load them. */
export interface StaticPlugin {
  readonly name: string
  readonly version: string
  readonly runtime?: readonly unknown[]
  readonly preset?: readonly unknown[]
  readonly network?: readonly unknown[]
  readonly scanner?: readonly unknown[]
}

const KINDS = ['runtime', 'preset', 'network', 'scanner'] as const satisfies readonly ProviderKind[]

/**
 * Providers from plugins' exported arrays, without oclif: the same validation, ordering and
 * freezing as discovery through hooks, so tests and goldens see exactly what `niso` would.
 */
export function staticProviders(plugins: readonly StaticPlugin[]): ProviderSet {
  const set: Record<string, unknown> = {}
  for (const kind of KINDS) {
    const successes = plugins
      .filter((p) => p[kind] !== undefined)
      .map((p) => ({plugin: {name: p.name, version: p.version}, result: p[kind]}))
    const settled = settleProviders(kind, DISCOVERY_EVENTS[kind], {successes, failures: [], declared: []})
    if (settled.problems.length) throw new NisoError('E_PLUGIN', settled.problems.join('; '))
    set[kind] = settled.providers
  }
  return set as unknown as ProviderSet
}
