import * as v from 'valibot'

import {DIRECTIVES, type DirectiveName, type DirectiveSpec, type Phase, PHASES, isDirectiveName} from './directives.js'
import {
  type DirectiveValue,
  UNIT_SECTIONS,
  type UnitFragment,
  UnitFragmentSchema,
  type UnitSection,
} from './fragment.js'
import {isPermitted} from './relaxation.js'
import {UnitError, directiveItems, sortedUnique, valueText} from './values.js'

/**
 * The unit merge: contributions from every phase (host → preset → runtime → network → manifest →
 * invariants) combined directive by directive under the registry's merge kinds. Security
 * directives only tighten; a contributor loosens one only through a relaxation the chosen preset
 * permits. Every error names the contributor(s) at fault. Pure: the same input gives the same
 * unit, whatever order plugins were loaded in.
 */

export interface Contribution {
  readonly phase: Phase
  /** Who contributed, as users read it: `@niso/plugin-isolation-presets (preset "strict")`. */
  readonly source: string
  readonly fragment: UnitFragment
}

/** A loosening someone asks for: a runtime's `needs`, or the manifest's `relax`. */
export interface RelaxationRequest {
  readonly directive: string
  readonly value: DirectiveValue
  readonly reason: string
  /** Who asks, as users read it: `runtime "nodejs"`, `manifest.toml [isolation.security]`. */
  readonly by: string
}

/** What the chosen preset lets others loosen. */
export interface MergePolicy {
  readonly preset: string
  readonly permits: readonly string[]
}

export interface MergeOptions {
  readonly policy?: MergePolicy
  readonly relaxations?: readonly RelaxationRequest[]
}

/** A merged unit: every section present, directives in registry order, lists as arrays. */
export type MergedUnit = {readonly [S in UnitSection]: Readonly<Record<string, DirectiveValue>>}

export interface MergeResult {
  readonly unit: MergedUnit
  /** The relaxations that loosened something (requests that changed nothing are left out). */
  readonly relaxations: readonly RelaxationRequest[]
  /** Who contributed each directive's final value, for `niso debug`. */
  readonly sources: Readonly<Record<string, readonly string[]>>
}

interface Entry {
  readonly phase: Phase
  readonly source: string
  readonly value: DirectiveValue
}

interface Merged {
  value: DirectiveValue
  sources: string[]
  /** For append lists: who added each item (mount-target conflicts name them). */
  itemSources?: string[]
}

/**
 * Checks one contribution against the unit schema and the registry: known directive, right
 * section, right shape, restrict values on their lattice, no line breaks or NULs in raw values.
 */
export function validateFragment(fragment: unknown, source: string): UnitFragment {
  const parsed = v.safeParse(UnitFragmentSchema, fragment)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const where = v.getDotPath(issue)
    if (issue.expected === 'never' && where) {
      throw new UnitError('E_UNIT_SECTION', `unsupported section [${where}] in a unit fragment from ${source}`)
    }
    throw new UnitError(
      'E_UNIT_VALUE',
      `invalid unit fragment from ${source}: ${where ?? 'fragment'}: ${issue.message}`,
    )
  }
  for (const section of UNIT_SECTIONS) {
    for (const [name, value] of Object.entries(parsed.output[section] ?? {})) {
      if (!isDirectiveName(name)) {
        throw new UnitError('E_UNIT_DIRECTIVE', `unsupported directive '${name}' in [${section}] from ${source}`)
      }
      const spec: DirectiveSpec = DIRECTIVES[name]
      if (spec.section !== section) {
        throw new UnitError(
          'E_UNIT_DIRECTIVE',
          `directive '${name}' belongs in [${spec.section}], not [${section}] (from ${source})`,
        )
      }
      if (Array.isArray(value) && !spec.list && spec.quote !== 'exec') {
        throw new UnitError('E_UNIT_VALUE', `${name}= takes one value; ${source} gave a list`)
      }
      const quoted = spec.quote === 'word' || (spec.quote === 'exec' && Array.isArray(value))
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item.includes('\0') || (!quoted && /[\n\r]/.test(item))) {
          throw new UnitError('E_UNIT_VALUE', `${name}= from ${source} contains a line break or NUL`)
        }
      }
      if (spec.kind === 'restrict' && !spec.lattice?.includes(valueText(value))) {
        throw new UnitError(
          'E_UNIT_VALUE',
          `invalid ${name}=${valueText(value)} from ${source} (expected one of: ${spec.lattice?.join(', ')})`,
        )
      }
    }
  }
  return parsed.output
}

/** Merges contributions (validated here) under the registry; see the module comment. */
export function mergeUnit(contributions: readonly Contribution[], options: MergeOptions = {}): MergeResult {
  const policy = options.policy ?? {preset: '(none)', permits: []}
  const entries = new Map<DirectiveName, Entry[]>()
  const ordered = contributions
    .map((c, i) => ({c, i}))
    .sort((a, b) => PHASES.indexOf(a.c.phase) - PHASES.indexOf(b.c.phase) || a.i - b.i)
  for (const {c} of ordered) {
    const fragment = validateFragment(c.fragment, c.source)
    for (const section of UNIT_SECTIONS) {
      for (const [name, value] of Object.entries(fragment[section] ?? {})) {
        const list = entries.get(name as DirectiveName) ?? []
        list.push({phase: c.phase, source: c.source, value})
        entries.set(name as DirectiveName, list)
      }
    }
  }

  const merged = new Map<DirectiveName, Merged>()
  for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
    const list = entries.get(name)
    if (!list) continue
    const spec: DirectiveSpec = DIRECTIVES[name]
    checkPhases(name, spec, list)
    const result = MERGERS[spec.kind](name, spec, list)
    if (result) merged.set(name, result)
  }

  const applied: RelaxationRequest[] = []
  for (const request of options.relaxations ?? []) {
    if (relax(merged, request, policy)) applied.push(request)
  }
  checkMountTargets(merged)

  const unit: Record<UnitSection, Record<string, DirectiveValue>> = {Unit: {}, Service: {}, Install: {}}
  const sources: Record<string, readonly string[]> = {}
  for (const [name, m] of merged) {
    unit[DIRECTIVES[name].section][name] = m.value
    sources[name] = [...new Set(m.sources)]
  }
  return {unit, relaxations: applied, sources}
}

// ---- who may set what ------------------------------------------------------------------------

function checkPhases(name: DirectiveName, spec: DirectiveSpec, list: readonly Entry[]): void {
  const allowed: readonly Phase[] | undefined =
    spec.kind === 'owner' && spec.owner ? (spec.owner === 'host' ? ['host', 'invariants'] : [spec.owner]) : spec.phases
  if (!allowed) return
  const intruder = list.find((e) => !allowed.includes(e.phase))
  if (intruder) {
    const who = allowed.filter((p) => p !== 'invariants').join(' or ')
    throw new UnitError('E_UNIT_OWNER', `${name}= belongs to the ${who}; ${intruder.source} may not set it`)
  }
}

// ---- merge kinds -----------------------------------------------------------------------------

type Merger = (name: DirectiveName, spec: DirectiveSpec, list: readonly Entry[]) => Merged | undefined

const same = (a: DirectiveValue, b: DirectiveValue) => JSON.stringify(a) === JSON.stringify(b)

const MERGERS: Readonly<Record<DirectiveSpec['kind'], Merger>> = {
  owner(name, _spec, list) {
    const first = list[0] as Entry
    const other = list.find((e) => !same(e.value, first.value))
    if (other) {
      throw new UnitError(
        'E_UNIT_CONFLICT',
        `${name}= is set by both ${first.source} and ${other.source}; only one may set it`,
      )
    }
    return {value: first.value, sources: list.map((e) => e.source)}
  },

  override(name, _spec, list) {
    const last = (list.at(-1) as Entry).phase
    const winners = list.filter((e) => e.phase === last)
    const first = winners[0] as Entry
    const other = winners.find((e) => !same(e.value, first.value))
    if (other) {
      throw new UnitError(
        'E_UNIT_CONFLICT',
        `${name}= has conflicting values: "${valueText(first.value)}" from ${first.source} and "${valueText(other.value)}" from ${other.source}`,
      )
    }
    return {value: first.value, sources: winners.map((e) => e.source)}
  },

  append(name, spec, list) {
    const items: string[] = []
    const itemSources: string[] = []
    for (const e of list) {
      for (const item of directiveItems(spec, e.value)) {
        if (spec.filter && e.phase !== 'preset' && !item.startsWith('~')) {
          throw new UnitError(
            'E_UNIT_FILTER',
            `${name}=${item} from ${e.source} would widen the preset's allow list; after the preset only deny lines ("~…") may be added`,
          )
        }
        if (name === 'Environment') checkEnvironment(item, e.source, items, itemSources)
        if (items.includes(item)) continue
        items.push(item)
        itemSources.push(e.source)
      }
    }
    return {value: items, sources: list.map((e) => e.source), itemSources}
  },

  union(_name, spec, list) {
    const items = sortedUnique(list.flatMap((e) => directiveItems(spec, e.value)))
    return {value: items, sources: list.map((e) => e.source)}
  },

  restrict(name, spec, list) {
    const lattice = spec.lattice ?? []
    let current: Entry | undefined
    for (const e of list) {
      if (!current) {
        current = e
        continue
      }
      const rank = lattice.indexOf(valueText(e.value))
      const have = lattice.indexOf(valueText(current.value))
      if (rank < have) {
        throw new UnitError(
          'E_UNIT_LOOSEN',
          `${e.source} sets ${name}=${valueText(e.value)}, looser than ${name}=${valueText(current.value)} from ${current.source}; loosening needs a relaxation the preset permits`,
        )
      }
      if (rank > have) current = e
    }
    return current ? {value: valueText(current.value), sources: [current.source]} : undefined
  },

  intersect(_name, spec, list) {
    let set: CapSet | undefined
    for (const e of list) {
      const next = parseSet(directiveItems(spec, e.value))
      set = set ? intersect(set, next) : next
    }
    if (!set || (set.deny && set.items.size === 0)) return undefined
    return {value: formatSet(set), sources: list.map((e) => e.source)}
  },
}

function checkEnvironment(item: string, source: string, items: readonly string[], itemSources: readonly string[]) {
  const key = envName(item)
  const clash = items.findIndex((other) => envName(other) === key && other !== item)
  if (clash === -1) return
  const other = items[clash] as string
  throw new UnitError(
    'E_UNIT_ENV',
    `environment variable ${key} is set to "${other.slice(key.length + 1)}" by ${itemSources[clash]} and to "${item.slice(key.length + 1)}" by ${source}`,
  )
}

function envName(assignment: string): string {
  const eq = assignment.indexOf('=')
  return eq === -1 ? assignment : assignment.slice(0, eq)
}

// ---- sets with systemd's "~" (all except) form -------------------------------------------------

interface CapSet {
  readonly deny: boolean
  readonly items: Set<string>
}

function parseSet(items: readonly string[]): CapSet {
  const deny = items[0]?.startsWith('~') ?? false
  const names = items.map((item, i) => (i === 0 && deny ? item.slice(1) : item)).filter((item) => item !== '')
  return {deny, items: new Set(names)}
}

function intersect(a: CapSet, b: CapSet): CapSet {
  if (!a.deny && !b.deny) return {deny: false, items: new Set([...a.items].filter((x) => b.items.has(x)))}
  if (a.deny && b.deny) return {deny: true, items: new Set([...a.items, ...b.items])}
  const [allow, deny] = a.deny ? [b, a] : [a, b]
  return {deny: false, items: new Set([...allow.items].filter((x) => !deny.items.has(x)))}
}

function formatSet(set: CapSet): string[] {
  const items = sortedUnique(set.items)
  return set.deny && items.length ? [`~${items[0]}`, ...items.slice(1)] : items
}

function allows(set: CapSet, item: string): boolean {
  return set.deny ? !set.items.has(item) : set.items.has(item)
}

// ---- relaxations -----------------------------------------------------------------------------

/** Applies one relaxation; true when it loosened something. Refuses what the preset does not permit. */
function relax(merged: Map<DirectiveName, Merged>, r: RelaxationRequest, policy: MergePolicy): boolean {
  const spec: DirectiveSpec | undefined = isDirectiveName(r.directive) ? DIRECTIVES[r.directive] : undefined
  if (!spec || (spec.kind !== 'restrict' && spec.kind !== 'intersect')) {
    throw new UnitError(
      'E_UNIT_RELAXATION',
      `${r.by} asks to relax ${r.directive}=, which is not a directive that can be relaxed (only restrict and intersect directives can)`,
    )
  }
  const name = r.directive as DirectiveName
  const current = merged.get(name)
  const refuse = (what: string): never => {
    throw new UnitError(
      'E_UNIT_RELAXATION',
      `${r.by} needs ${name}=${what} (${r.reason}); preset "${policy.preset}" does not permit it`,
    )
  }
  if (spec.kind === 'restrict') {
    const target = valueText(r.value)
    const lattice = spec.lattice ?? []
    if (!lattice.includes(target)) {
      throw new UnitError(
        'E_UNIT_VALUE',
        `invalid ${name}=${target} from ${r.by} (expected one of: ${lattice.join(', ')})`,
      )
    }
    if (!current || lattice.indexOf(target) >= lattice.indexOf(valueText(current.value))) return false
    if (!isPermitted(policy.permits, name, target)) refuse(target)
    merged.set(name, {value: target, sources: [`${r.by} (relaxation)`]})
    return true
  }
  if (!current) return false
  const set = parseSet(directiveItems(spec, current.value))
  const loosening = directiveItems(spec, r.value).filter((item) => !allows(set, item))
  if (loosening.length === 0) return false
  const refused = loosening.filter((item) => !isPermitted(policy.permits, name, item))
  if (refused.length) refuse(refused.join(' '))
  for (const item of loosening) {
    if (set.deny) set.items.delete(item)
    else set.items.add(item)
  }
  merged.set(name, {value: formatSet(set), sources: [...current.sources, `${r.by} (relaxation)`]})
  return true
}

// ---- mounts ----------------------------------------------------------------------------------

const MOUNT_DIRECTIVES = ['BindPaths', 'BindReadOnlyPaths', 'TemporaryFileSystem'] as const

/** Two mounts on one target would silently shadow each other in systemd: refuse, naming both. */
function checkMountTargets(merged: ReadonlyMap<DirectiveName, Merged>): void {
  const seen = new Map<string, {directive: string; item: string; source: string}>()
  for (const directive of MOUNT_DIRECTIVES) {
    const m = merged.get(directive)
    if (!m) continue
    const items = m.value as string[]
    items.forEach((item, i) => {
      const target = mountTarget(directive, item)
      const source = m.itemSources?.[i] ?? m.sources[0] ?? '?'
      const previous = seen.get(target)
      if (previous) {
        throw new UnitError(
          'E_UNIT_MOUNT',
          `two mounts at ${target}: ${previous.directive}=${previous.item} from ${previous.source} and ${directive}=${item} from ${source}`,
        )
      }
      seen.set(target, {directive, item, source})
    })
  }
}

/** The path a Bind*Paths= ("[-]src[:dst[:opts]]") or TemporaryFileSystem= ("path[:opts]") item mounts at. */
export function mountTarget(directive: string, item: string): string {
  const parts = item.replace(/^[-+]/, '').split(/(?<!\\):/)
  const target = directive === 'TemporaryFileSystem' ? parts[0] : (parts[1] ?? parts[0])
  return (target ?? '').replaceAll('\\:', ':')
}
