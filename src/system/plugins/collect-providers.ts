import type {Config} from '@oclif/core'
import {
  DISCOVERY_EVENTS,
  type IsolationPreset,
  type NetworkBackend,
  PLUGIN_API_VERSION,
  type ProviderKind,
  ProviderSchemas,
  type RuntimeProvider,
  type Scanner,
  TIERS,
} from '@niso/plugin-sdk'
import * as v from 'valibot'

import type {Provided} from '../../core/activation/plan-activation.js'
import {NisoError, messageOf} from '../../core/errors.js'

interface ProviderTypes {
  runtime: RuntimeProvider
  preset: IsolationPreset
  network: NetworkBackend
  scanner: Scanner
}

const NOUN: Record<ProviderKind, string> = {
  runtime: 'runtime',
  preset: 'preset',
  network: 'network backend',
  scanner: 'scanner',
}

/**
 * Runs one discovery event across every loaded plugin and returns validated providers in a
 * defined order. oclif runs hooks concurrently, in no defined order, and silently skips a hook
 * whose export is missing; the host makes all of that explicit: failures and silent plugins are
 * errors naming the plugin, duplicate ids name both plugins, unknown API versions are refused,
 * and the result is sorted by (tier, plugin name, id).
 */
export async function collectProviders<K extends ProviderKind>(
  config: Config,
  kind: K,
): Promise<Provided<ProviderTypes[K]>[]> {
  const event = DISCOVERY_EVENTS[kind]
  const timeout = Number(process.env.NISO_HOOK_TIMEOUT_MS ?? 10_000)
  const result = await config.runHook(event as never, {apiVersion: PLUGIN_API_VERSION} as never, timeout, true)
  const label = (p: {name: string; version: string}) => `${p.name}@${p.version}`

  const failure = result.failures[0]
  if (failure)
    throw new NisoError('E_PLUGIN', `plugin ${label(failure.plugin)} failed in ${event}: ${messageOf(failure.error)}`)

  const answered = new Set(result.successes.map((s) => s.plugin.name))
  for (const plugin of config.getPluginsList()) {
    const hooks = (plugin.pjson.oclif as {hooks?: Record<string, unknown>} | undefined)?.hooks ?? {}
    if (Object.hasOwn(hooks, event) && !answered.has(plugin.name)) {
      throw new NisoError('E_PLUGIN', `plugin ${label(plugin)} declares ${event} but exports no hook function`)
    }
  }

  const out: Provided<ProviderTypes[K]>[] = []
  const seen = new Map<string, string>()
  for (const {plugin, result: returned} of result.successes) {
    if (!Array.isArray(returned)) {
      throw new NisoError(
        'E_PLUGIN',
        `plugin ${label(plugin)} returned ${typeof returned} from ${event}, expected an array of providers`,
      )
    }
    for (const provider of returned as unknown[]) {
      const parsed = v.safeParse(ProviderSchemas[kind], provider)
      if (!parsed.success) {
        const issue = parsed.issues[0]
        const id = (provider as {id?: unknown})?.id
        throw new NisoError(
          'E_PLUGIN',
          `plugin ${label(plugin)}: ${NOUN[kind]} ${typeof id === 'string' ? `"${id}" ` : ''}is invalid: ${v.getDotPath(issue) ?? 'provider'}: ${issue.message}`,
        )
      }
      const typed = provider as ProviderTypes[K]
      if (typed.apiVersion !== PLUGIN_API_VERSION) {
        throw new NisoError(
          'E_PLUGIN',
          `${NOUN[kind]} "${typed.id}" from ${label(plugin)} targets plugin API ${typed.apiVersion}; this niso supports ${PLUGIN_API_VERSION}`,
        )
      }
      const other = seen.get(typed.id)
      if (other) {
        throw new NisoError(
          'E_PLUGIN',
          `${NOUN[kind]} id "${typed.id}" is provided by ${other} and ${label(plugin)}; uninstall one`,
        )
      }
      seen.set(typed.id, label(plugin))
      out.push({provider: Object.freeze(typed) as ProviderTypes[K], plugin: label(plugin)})
    }
  }
  const tier = (p: {tier?: string}) => TIERS.indexOf((p.tier ?? 'normal') as (typeof TIERS)[number])
  return out.sort(
    (a, b) =>
      tier(a.provider) - tier(b.provider) ||
      (a.plugin < b.plugin ? -1 : a.plugin > b.plugin ? 1 : 0) ||
      (a.provider.id < b.provider.id ? -1 : a.provider.id > b.provider.id ? 1 : 0),
  )
}
