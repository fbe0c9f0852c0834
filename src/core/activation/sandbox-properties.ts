import {
  DIRECTIVES,
  type DirectiveName,
  type DirectiveSpec,
  type MergedUnit,
  directiveItems,
  quoteWord,
} from '@niso/plugin-sdk'

/** What runs and how it is supervised: the service's own business, not its sandbox. */
const NOT_SANDBOX = new Set<DirectiveName>([
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'Restart',
  'RestartSec',
  'Type',
  'TimeoutStartSec',
  'SyslogIdentifier',
])

/**
 * `systemd-run -p` properties that reproduce a merged unit's sandbox (RootDirectory, binds,
 * identity, hardening, environment) for hooks, exec probes and one-off runs.
 */
export function sandboxProperties(unit: MergedUnit): string[] {
  const props: string[] = []
  for (const name of Object.keys(DIRECTIVES) as DirectiveName[]) {
    const spec: DirectiveSpec = DIRECTIVES[name]
    const value = unit.Service[name]
    if (spec.section !== 'Service' || value === undefined || NOT_SANDBOX.has(name)) continue
    if (!spec.list) {
      props.push(`${name}=${[value].flat().join(' ')}`)
      continue
    }
    const items = directiveItems(spec, value).map((item) => (spec.quote === 'word' ? quoteWord(item) : item))
    if (spec.joined || items.length === 0) props.push(`${name}=${items.join(' ')}`)
    else for (const item of items) props.push(`${name}=${item}`)
  }
  return props
}
