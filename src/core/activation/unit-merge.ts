import {
  DIRECTIVES,
  type DirectiveName,
  type DirectiveValue,
  type Phase,
  PHASES,
  type Relaxation,
  type UnitFragment,
  UNIT_SECTIONS,
  isDirectiveName,
} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/**
 * Merges the unit fragments of every contributor under the SDK's directive registry, in the
 * fixed phase order host → preset → runtime → network → manifest → invariants. Security
 * directives only tighten; loosening goes through a relaxation the preset permits.
 */
export interface Contribution {
  readonly phase: Phase
  /** Who contributed, for messages: `preset "server" (@niso/plugin-isolation-presets)`. */
  readonly from: string
  readonly fragment: UnitFragment
}

export interface RequestedRelaxation extends Relaxation {
  readonly from: string
}

export interface MergedDirective {
  values: string[]
  from: string[]
}

export type MergedUnit = Map<DirectiveName, MergedDirective>

export function mergeUnit(
  contributions: readonly Contribution[],
  relaxations: readonly RequestedRelaxation[],
  policy: {readonly preset: string; readonly permits: ReadonlySet<string>},
): MergedUnit {
  const merged: MergedUnit = new Map()
  const ordered = [...contributions].sort((a, b) => PHASES.indexOf(a.phase) - PHASES.indexOf(b.phase))
  for (const c of ordered) {
    for (const section of UNIT_SECTIONS) {
      for (const [name, raw] of Object.entries(c.fragment[section] ?? {})) {
        if (!isDirectiveName(name) || DIRECTIVES[name].section !== section) {
          throw new NisoError('E_UNIT_DIRECTIVE', `unsupported directive '${name}' in [${section}] from ${c.from}`)
        }
        apply(merged, name, toList(raw), c)
      }
    }
  }
  for (const r of relaxations) relax(merged, r, policy)
  return merged
}

function toList(value: DirectiveValue): string[] {
  return Array.isArray(value) ? [...value] : [value]
}

function apply(merged: MergedUnit, name: DirectiveName, values: string[], c: Contribution): void {
  const spec = DIRECTIVES[name] as {kind: string; owner?: Phase; lattice?: readonly string[]}
  const current = merged.get(name)
  switch (spec.kind) {
    case 'owner': {
      if (spec.owner !== undefined && c.phase !== spec.owner && c.phase !== 'invariants') {
        throw new NisoError('E_UNIT_OWNER', `${name}= belongs to the ${spec.owner}; ${c.from} may not set it`)
      }
      if (current && c.phase !== 'invariants') {
        throw new NisoError('E_UNIT_OWNER', `${name}= is set by both ${current.from.join(', ')} and ${c.from}`)
      }
      merged.set(name, {values, from: [c.from]})
      return
    }
    case 'override':
      merged.set(name, {values, from: [c.from]})
      return
    case 'append': {
      const next = current ?? {values: [], from: []}
      if (name === 'Environment') checkEnvironment(next, values, c.from)
      next.values.push(...values)
      next.from.push(c.from)
      merged.set(name, next)
      return
    }
    case 'union': {
      const next = current ?? {values: [], from: []}
      for (const v of values) if (!next.values.includes(v)) next.values.push(v)
      next.from.push(c.from)
      merged.set(name, next)
      return
    }
    case 'intersect': {
      if (!current) {
        merged.set(name, {values: values.filter((v) => v !== ''), from: [c.from]})
        return
      }
      const wanted = new Set(values)
      current.values = current.values.filter((v) => wanted.has(v))
      current.from.push(c.from)
      return
    }
    case 'restrict': {
      const lattice = spec.lattice ?? []
      const value = values.at(-1) ?? ''
      if (!lattice.includes(value)) {
        throw new NisoError('E_UNIT_VALUE', `${name}=${value} from ${c.from}: expected one of ${lattice.join(', ')}`)
      }
      if (!current) {
        merged.set(name, {values: [value], from: [c.from]})
        return
      }
      const have = current.values[0] ?? ''
      if (lattice.indexOf(value) < lattice.indexOf(have)) {
        throw new NisoError(
          'E_UNIT_LOOSEN',
          `${c.from} sets ${name}=${value}, looser than ${name}=${have} from ${current.from.join(', ')}; ask for it as a relaxation`,
        )
      }
      if (lattice.indexOf(value) > lattice.indexOf(have)) merged.set(name, {values: [value], from: [c.from]})
      return
    }
  }
}

function checkEnvironment(current: MergedDirective, values: string[], from: string): void {
  for (const assignment of values) {
    const key = assignment.slice(0, assignment.indexOf('='))
    current.values.forEach((existing, i) => {
      if (existing.slice(0, existing.indexOf('=')) === key && existing !== assignment) {
        throw new NisoError(
          'E_UNIT_ENV',
          `environment variable ${key} is set to different values by ${current.from[Math.min(i, current.from.length - 1)]} and ${from}`,
        )
      }
    })
  }
}

function relax(
  merged: MergedUnit,
  r: RequestedRelaxation,
  policy: {readonly preset: string; readonly permits: ReadonlySet<string>},
): void {
  const spec = DIRECTIVES[r.directive] as {kind: string} | undefined
  if (!spec) throw new NisoError('E_UNIT_DIRECTIVE', `${r.from} asks to relax unknown directive '${r.directive}'`)
  const value = Array.isArray(r.value) ? r.value : [r.value]
  if (!policy.permits.has(r.directive)) {
    throw new NisoError(
      'E_RELAXATION_REFUSED',
      `${r.from} needs ${r.directive}=${value.join(' ')} (${r.reason}); preset "${policy.preset}" does not permit it`,
    )
  }
  const current = merged.get(r.directive)
  const entry = `${r.from} (relaxation: ${r.reason})`
  if (spec.kind === 'intersect') {
    const next = current ?? {values: [], from: []}
    for (const v of value) if (!next.values.includes(v)) next.values.push(v)
    next.from.push(entry)
    merged.set(r.directive, next)
    return
  }
  merged.set(r.directive, {values: value, from: [entry]})
}
