import {
  DIRECTIVES,
  type DirectiveName,
  type DirectiveSpec,
  type MergedUnit,
  directiveItems,
  quoteWord,
} from '@niso/plugin-sdk'

/**
 * Directives a one-off run sets itself or leaves out: the command (given as systemd-run's argv),
 * the restart policy (a one-off never restarts), the service type (exec, so a command that cannot
 * be executed fails the start) and the description (systemd-run --description).
 */
const OWN = new Set<string>([
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'ExecReload',
  'Restart',
  'RestartSec',
  'Type',
  'Description',
])

/**
 * A planned unit's [Unit] and [Service] directives as `systemd-run -p Name=value` properties, in
 * registry order. Values are written as a unit file would have them except that "%" stays single:
 * properties go over D-Bus, where systemd expands no specifiers.
 */
export function transientProperties(unit: MergedUnit): string[] {
  const props: string[] = []
  for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
    const spec: DirectiveSpec = DIRECTIVES[name]
    if (spec.section === 'Install' || OWN.has(name)) continue
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
