import {DIRECTIVES, type DirectiveName, type DirectiveSpec} from './directives.js'
import {type DirectiveValue, UNIT_SECTIONS, type UnitFragment} from './fragment.js'
import {UnitError, directiveItems} from './values.js'

/** The parts of an isolation preset that resolution reads. */
export interface PresetData {
  readonly id: string
  readonly extends?: string
  readonly unit: UnitFragment
  readonly permits?: readonly string[]
  readonly exposureBudget?: number
}

export interface ResolvedPreset<P extends PresetData> {
  readonly id: string
  /** The `extends` chain, base first, the selected preset last. */
  readonly chain: readonly P[]
  /** The chain's directives folded into one fragment (see `extendFragment`). */
  readonly unit: UnitFragment
  /** The selected preset's own permits, or the nearest ancestor's when it declares none. */
  readonly permits: readonly string[]
  /** Likewise for the exposure budget. */
  readonly exposureBudget?: number
}

/**
 * Resolves a preset's `extends` chain. A child starts from its parent: for a scalar or a set it
 * declares, its value replaces the parent's (it is the policy); for ordered lists (append, union,
 * SystemCallFilter lines) its items follow the parent's. `permits` and `exposureBudget` are the
 * child's when declared — so extending a preset never inherits loosenings the child did not list
 * (declare `permits: []` to permit nothing). Unknown parents and cycles are errors.
 */
export function resolvePreset<P extends PresetData>(id: string, presets: readonly P[]): ResolvedPreset<P> {
  const byId = new Map(presets.map((p) => [p.id, p]))
  const available = () => [...byId.keys()].sort().join(', ') || 'none installed'
  const chain: P[] = []
  for (let cur: string | undefined = id; cur !== undefined;) {
    const found = byId.get(cur)
    if (!found) {
      const child = chain.at(-1)
      throw new UnitError(
        'E_PRESET_UNKNOWN',
        child
          ? `preset "${child.id}" extends unknown preset "${cur}" (available: ${available()})`
          : `unknown preset "${cur}" (available: ${available()})`,
      )
    }
    if (chain.includes(found)) {
      const path = [...chain, found].map((p) => p.id).join(' → ')
      throw new UnitError('E_PRESET_CYCLE', `preset "${id}" extends itself: ${path}`)
    }
    chain.push(found)
    cur = found.extends
  }
  chain.reverse()
  const unit = chain.reduce<UnitFragment>((acc, p) => extendFragment(acc, p.unit), {})
  const permits = [...chain].reverse().find((p) => p.permits !== undefined)?.permits ?? []
  const budget = [...chain].reverse().find((p) => p.exposureBudget !== undefined)?.exposureBudget
  return {id, chain, unit, permits, ...(budget === undefined ? {} : {exposureBudget: budget})}
}

/** `child` applied over `parent`, directive by directive (see `resolvePreset`). */
export function extendFragment(parent: UnitFragment, child: UnitFragment): UnitFragment {
  const out: Record<string, Record<string, DirectiveValue>> = {}
  for (const section of UNIT_SECTIONS) {
    const merged: Record<string, DirectiveValue> = {...parent[section]}
    for (const [name, value] of Object.entries(child[section] ?? {})) {
      const spec: DirectiveSpec | undefined = Object.hasOwn(DIRECTIVES, name)
        ? DIRECTIVES[name as DirectiveName]
        : undefined
      const before = merged[name]
      const ordered = spec && (spec.kind === 'append' || spec.kind === 'union')
      merged[name] =
        ordered && before !== undefined
          ? [...new Set([...directiveItems(spec, before), ...directiveItems(spec, value)])]
          : value
    }
    if (Object.keys(merged).length) out[section] = merged
  }
  return out
}
