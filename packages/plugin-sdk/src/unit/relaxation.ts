import * as v from 'valibot'

import {type DirectiveName, DIRECTIVES} from './directives.js'
import {DirectiveValueSchema} from './fragment.js'

/**
 * What a preset lets runtimes and manifests loosen. A bare directive name permits any loosening of
 * it ("MemoryDenyWriteExecute"); "Directive=value" permits exactly that value, or for a set
 * directive that one item ("CapabilityBoundingSet=CAP_NET_BIND_SERVICE").
 */
export type Permit = DirectiveName | `${DirectiveName}=${string}`

/** The directive a permit is about: "CapabilityBoundingSet=CAP_X" → "CapabilityBoundingSet". */
export function permitDirective(permit: string): string {
  const eq = permit.indexOf('=')
  return eq === -1 ? permit : permit.slice(0, eq)
}

/** True when `permits` allow loosening `directive` to `value` (one value, or one item of a set). */
export function isPermitted(permits: readonly string[], directive: string, value: string): boolean {
  return permits.includes(directive) || permits.includes(`${directive}=${value}`)
}

const relaxable = (name: string) => {
  const spec = Object.hasOwn(DIRECTIVES, name) ? DIRECTIVES[name as DirectiveName] : undefined
  return spec?.kind === 'restrict' || spec?.kind === 'intersect'
}

export const PermitSchema = v.pipe(
  v.string(),
  v.check(
    (p) => relaxable(permitDirective(p)),
    'must name a restrict or intersect directive, optionally with "=value"',
  ),
)

/** A relaxation as a plugin returns it (RuntimePlan.needs). */
export const RelaxationSchema = v.strictObject({
  directive: v.pipe(
    v.string(),
    v.check(relaxable, 'must name a directive that can be relaxed (a restrict or intersect directive)'),
  ),
  value: DirectiveValueSchema,
  reason: v.pipe(v.string(), v.minLength(1, 'must say why the loosening is needed')),
})
