import {
  DIRECTIVES,
  type DirectiveName,
  type DirectiveSpec,
  type MergedUnit,
  directiveItems,
  quoteWord,
} from '@niso/plugin-sdk'

/**
 * What runs and how it is supervised (commands, restart policy, service type): a transient unit
 * that reproduces a planned one brings its own.
 */
export const COMMAND_DIRECTIVES: readonly string[] = [
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'ExecReload',
  'Restart',
  'RestartSec',
  'Type',
]

/**
 * A planned unit's directives as `systemd-run -p Name=value` properties, in registry order, for
 * the sections given and without the directives in `omit`. Values are written as a unit file
 * would have them except that "%" stays single: properties go over D-Bus, where systemd expands
 * no specifiers.
 */
export function transientProperties(
  unit: MergedUnit,
  opts: {readonly sections: readonly ('Unit' | 'Service')[]; readonly omit: ReadonlySet<string>},
): string[] {
  const props: string[] = []
  for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
    const spec: DirectiveSpec = DIRECTIVES[name]
    if (spec.section === 'Install' || !opts.sections.includes(spec.section) || opts.omit.has(name)) continue
    const value = unit[spec.section][name]
    if (value === undefined) continue
    if (!spec.list) {
      props.push(`${name}=${Array.isArray(value) ? value.join(' ') : value}`)
      continue
    }
    const items = directiveItems(spec, value).map((item) =>
      spec.quote === 'word' ? quoteWord(item).replaceAll('%%', '%') : item,
    )
    if (spec.joined || spec.kind === 'intersect') props.push(`${name}=${items.join(' ')}`)
    else if (items.length === 0) props.push(`${name}=`)
    else for (const item of items) props.push(`${name}=${item}`)
  }
  return props
}
