import {DISCOVERY_EVENTS, PLUGIN_API_VERSION, type ProviderKind} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'

import {NisoError} from '../errors.js'
import type {Provided, ProviderTypes} from './provided.js'
import {type HookOutcome, settleProviders} from './settle-providers.js'

/** How long one plugin's discovery hook may take: NISO_HOOK_TIMEOUT_MS, default 10 s. */
export function hookTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.NISO_HOOK_TIMEOUT_MS)
  return Number.isInteger(n) && n > 0 ? n : 10_000
}

/**
 * Runs one discovery event across every loaded plugin. oclif runs hooks concurrently and in no
 * defined order, swallows nothing only with captureErrors, and silently skips a plugin whose hook
 * file exports no function; this records all of it, including who declared the event.
 */
export async function runDiscovery(config: Config, kind: ProviderKind): Promise<HookOutcome> {
  const event = DISCOVERY_EVENTS[kind]
  const result = await config.runHook(
    event as never,
    {apiVersion: PLUGIN_API_VERSION} as never,
    hookTimeoutMs(),
    true, // captureErrors: a broken plugin becomes a problem naming it, never a crash
  )
  const ref = (p: {name: string; version: string}) => ({name: p.name, version: p.version})
  return {
    successes: result.successes.map((s) => ({plugin: ref(s.plugin), result: s.result})),
    failures: result.failures.map((f) => ({plugin: ref(f.plugin), error: f.error})),
    declared: config
      .getPluginsList()
      .filter((p) => (p.hooks[event] ?? []).length > 0)
      .map(ref),
  }
}

/**
 * The validated providers of one kind, in (tier, plugin name, id) order. Any problem (a failing
 * or silent plugin, an invalid provider, an unknown API version, a duplicate id) is an error
 * naming the plugin: a broken plugin is fixed or uninstalled, never half-used.
 */
export async function collectProviders<K extends ProviderKind>(
  config: Config,
  kind: K,
): Promise<readonly Provided<ProviderTypes[K]>[]> {
  const settled = settleProviders(kind, DISCOVERY_EVENTS[kind], await runDiscovery(config, kind))
  const [first, ...rest] = settled.problems
  if (first !== undefined) {
    throw new NisoError('E_PLUGIN', rest.length ? `${first} (and ${rest.length} more)` : first, {
      hint: rest.length ? rest.join('\n') : 'fix or uninstall the plugin (niso plugins uninstall NAME)',
    })
  }
  return settled.providers
}
