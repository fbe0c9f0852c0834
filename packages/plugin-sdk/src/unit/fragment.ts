import * as v from 'valibot'

/** The three unit sections niso renders, in canonical order. */
export const UNIT_SECTIONS = ['Unit', 'Service', 'Install'] as const
export type UnitSection = (typeof UNIT_SECTIONS)[number]

/** One directive's value: a scalar, or a list for directives the registry marks as lists. */
export const DirectiveValueSchema = v.union([v.string(), v.array(v.string())])
export type DirectiveValue = v.InferOutput<typeof DirectiveValueSchema>

const SectionSchema = v.record(v.string(), DirectiveValueSchema)

/** What a contributor adds to a unit: directives by section. Names are checked against the registry. */
export const UnitFragmentSchema = v.strictObject({
  Unit: v.optional(SectionSchema),
  Service: v.optional(SectionSchema),
  Install: v.optional(SectionSchema),
})
export type UnitFragment = v.InferOutput<typeof UnitFragmentSchema>
