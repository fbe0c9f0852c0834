import {DIRECTIVES, type DirectiveName, type DirectiveSpec} from './directives.js'
import {type DirectiveValue, UNIT_SECTIONS, type UnitFragment} from './fragment.js'
import {commandLine, escapeSpecifiers, quoteWord} from './quote.js'
import {UnitError, directiveItems} from './values.js'

/** An extra section systemd ignores (its name starts with "X-"), e.g. niso's provenance. */
export interface ExtraSection {
  readonly name: string
  readonly entries: readonly (readonly [key: string, value: string])[]
}

export interface RenderOptions {
  /** Comment lines at the top, written as "# <line>". */
  readonly header?: readonly string[]
  /** Sections written after [Install], in the order given. */
  readonly extra?: readonly ExtraSection[]
}

/**
 * Renders a unit deterministically: header comment, sections in canonical order ([Unit],
 * [Service], [Install], then extras), directives in registry order, and each value written by
 * its registry entry: scalars as is ("%" doubled where systemd expands specifiers), an ExecStart
 * argv as one quoted command line, space-joined lists on one line, other lists one line per
 * item, set directives (CapabilityBoundingSet=…) even when empty, since empty means "none".
 */
export function renderUnit(unit: UnitFragment, options: RenderOptions = {}): string {
  const blocks: string[][] = []
  if (options.header?.length) blocks.push(options.header.map((line) => `# ${line}`.trimEnd()))
  for (const section of UNIT_SECTIONS) {
    const values = unit[section] ?? {}
    const body: string[] = []
    for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
      const spec: DirectiveSpec = DIRECTIVES[name]
      const value = values[name]
      if (spec.section !== section || value === undefined) continue
      body.push(...directiveLines(name, spec, value))
    }
    if (body.length) blocks.push([`[${section}]`, ...body])
  }
  for (const extra of options.extra ?? []) {
    if (!/^X-[A-Za-z0-9-]+$/.test(extra.name)) {
      throw new UnitError('E_UNIT_SECTION', `extra section [${extra.name}] must be named X-…`)
    }
    const body = extra.entries.map(([key, value]) => {
      if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key) || /[\n\r\0]/.test(value)) {
        throw new UnitError('E_UNIT_VALUE', `invalid entry ${key}= in [${extra.name}]`)
      }
      return `${key}=${value}`
    })
    if (body.length) blocks.push([`[${extra.name}]`, ...body])
  }
  return `${blocks.map((b) => b.join('\n')).join('\n\n')}\n`
}

function directiveLines(name: DirectiveName, spec: DirectiveSpec, value: DirectiveValue): string[] {
  if (!spec.list) {
    if (Array.isArray(value)) return [`${name}=${commandLine(value)}`]
    return [`${name}=${spec.printf ? escapeSpecifiers(value) : value}`]
  }
  const items = directiveItems(spec, value)
  const write = (item: string) =>
    spec.quote === 'word' ? quoteWord(item) : spec.printf ? escapeSpecifiers(item) : item
  if (spec.kind === 'intersect') return [`${name}=${items.map(write).join(' ')}`]
  if (items.length === 0) return []
  if (spec.joined) return [`${name}=${items.map(write).join(' ')}`]
  return items.map((item) => `${name}=${write(item)}`)
}
