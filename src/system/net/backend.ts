import {
  type FirewallPlan,
  FirewallPlanSchema,
  type NetLifecycle,
  NetLifecycleSchema,
  type NetworkBackend,
  type NetworkContext,
  type NetworkPlan,
  NetworkPlanSchema,
  type NetworkView,
  type FirewallState,
} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'
import * as v from 'valibot'

import {NisoError} from '../../core/errors.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'

/**
 * A network backend with every output validated against the SDK schemas, so a plugin's mistake
 * is one line naming the plugin, never a half-applied network.
 */
export interface CheckedBackend {
  /** "name@version" of the plugin, for Contributors=. */
  readonly plugin: string
  readonly source: string
  plan(ctx: NetworkContext): Promise<NetworkPlan>
  bridge(net: NetworkView): NetLifecycle
  firewall(state: FirewallState): FirewallPlan
}

export function checkedBackend(p: {readonly provider: NetworkBackend; readonly plugin: string}): CheckedBackend {
  const source = `${p.plugin.replace(/@[^@]+$/, '')} (network "${p.provider.id}")`
  const check = <T>(schema: v.GenericSchema<unknown, T>, value: unknown, what: string): T => {
    const r = v.safeParse(schema, value)
    if (r.success) return r.output
    const issue = r.issues[0]
    const where = issue.path?.map((k) => String(k.key)).join('.') ?? ''
    throw new NisoError(
      'E_PLUGIN',
      `${source} ${what} returned an invalid value at ${where || '(root)'}: ${issue.message}`,
    )
  }
  return {
    plugin: p.plugin,
    source,
    plan: async (ctx) => check(NetworkPlanSchema, await p.provider.plan(ctx), 'plan()') as NetworkPlan,
    bridge: (net) => check(NetLifecycleSchema, p.provider.bridge(net), 'bridge()'),
    firewall: (state) => check(FirewallPlanSchema, p.provider.firewall(state), 'firewall()'),
  }
}

/** The network backend niso uses: the first one discovered (net-nftables unless replaced). */
export async function networkBackend(config: Config): Promise<CheckedBackend> {
  const [first] = await collectProviders(config, 'network')
  if (!first) throw new NisoError('E_NO_NETWORK_BACKEND', 'no network backend plugin is installed')
  return checkedBackend(first)
}
