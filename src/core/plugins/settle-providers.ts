import {PLUGIN_API_VERSION, type ProviderKind, ProviderSchemas, TIERS} from '@niso/plugin-sdk'
import * as v from 'valibot'

import {messageOf} from '../errors.js'
import {PROVIDER_NOUN, type PluginRef, type Provided, type ProviderTypes, pluginLabel} from './provided.js'

/** What running one discovery event produced, as oclif reports it, plus who declared the event. */
export interface HookOutcome {
  readonly successes: readonly {readonly plugin: PluginRef; readonly result: unknown}[]
  readonly failures: readonly {readonly plugin: PluginRef; readonly error: unknown}[]
  /** Plugins whose package.json declares the event (oclif.hooks). */
  readonly declared: readonly PluginRef[]
}

export interface Settled<T> {
  /** Valid providers, sorted by (tier pre < normal < post, plugin name, id), deep-frozen. */
  readonly providers: readonly Provided<T>[]
  /** One line per problem, each naming the plugin; deterministic order. */
  readonly problems: readonly string[]
}

const byName = (a: {plugin: PluginRef}, b: {plugin: PluginRef}) => compare(a.plugin.name, b.plugin.name)

/**
 * Turns one discovery event's raw outcome into validated providers (pure, no oclif): hook
 * failures, plugins that declare the event but answered nothing, results that are not arrays,
 * providers failing the SDK schema, unknown API versions and duplicate ids all become problems
 * naming the plugin; everything else is sorted and frozen.
 */
export function settleProviders<K extends ProviderKind>(
  kind: K,
  event: string,
  outcome: HookOutcome,
): Settled<ProviderTypes[K]> {
  const noun = PROVIDER_NOUN[kind]
  const problems: string[] = []
  for (const {plugin, error} of [...outcome.failures].sort(byName)) {
    problems.push(`plugin ${pluginLabel(plugin)} failed in ${event}: ${firstLine(messageOf(error))}`)
  }
  const answered = new Set([...outcome.successes, ...outcome.failures].map((s) => s.plugin.name))
  for (const plugin of [...outcome.declared].sort((a, b) => compare(a.name, b.name))) {
    if (!answered.has(plugin.name)) {
      problems.push(`plugin ${pluginLabel(plugin)} declares ${event} but exports no hook function`)
    }
  }

  const valid: Provided<ProviderTypes[K]>[] = []
  for (const {plugin, result} of [...outcome.successes].sort(byName)) {
    const label = pluginLabel(plugin)
    if (!Array.isArray(result)) {
      problems.push(`plugin ${label} returned ${describe(result)} from ${event}; expected an array of ${noun}s`)
      continue
    }
    for (const provider of result as unknown[]) {
      const id = (provider as {id?: unknown} | null)?.id
      const parsed = v.safeParse(ProviderSchemas[kind], provider)
      if (!parsed.success) {
        const issue = parsed.issues[0]
        const field = v.getDotPath(issue) ?? noun
        const named = typeof id === 'string' ? `"${id}" ` : ''
        const what = issue.received === 'undefined' ? 'is required' : issue.message.replace(/^Invalid \w+: /, '')
        problems.push(`plugin ${label}: ${noun} ${named}is invalid: ${field}: ${what}`)
        continue
      }
      const typed = provider as ProviderTypes[K]
      if (typed.apiVersion !== PLUGIN_API_VERSION) {
        problems.push(
          `${noun} "${typed.id}" from ${label} targets plugin API ${typed.apiVersion}; this niso supports ${PLUGIN_API_VERSION}`,
        )
        continue
      }
      valid.push({provider: typed, plugin: label, pluginName: plugin.name})
    }
  }

  // One id from two plugins (or twice from one) is never "last wins": both are refused.
  const claims = new Map<string, string[]>()
  for (const p of valid) claims.set(p.provider.id, [...(claims.get(p.provider.id) ?? []), p.pluginName])
  for (const [id, names] of claims) {
    if (names.length > 1) problems.push(`${noun} id "${id}" is provided by ${names.join(' and ')}; uninstall one`)
  }
  const tier = (p: {tier?: string}) => TIERS.indexOf((p.tier ?? 'normal') as (typeof TIERS)[number])
  const providers = valid
    .filter((p) => claims.get(p.provider.id)?.length === 1)
    .sort(
      (a, b) =>
        tier(a.provider) - tier(b.provider) ||
        compare(a.pluginName, b.pluginName) ||
        compare(a.provider.id, b.provider.id),
    )
    .map((p) => ({...p, provider: deepFreeze(p.provider)}))
  return {providers, problems}
}

/** Freezes data deeply; functions (provider methods) are left callable and unfrozen. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? ''
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  return typeof value === 'object' ? 'an object' : typeof value
}
