import type {MergedUnit} from '@niso/plugin-sdk'

import {transientProperties} from '../unit/transient-properties.js'

/** What runs and how it is supervised: the service's own business, not its sandbox. */
const NOT_SANDBOX = new Set<string>([
  'ExecStart',
  'ExecStartPre',
  'ExecStartPost',
  'ExecStop',
  'ExecStopPost',
  'ExecReload',
  'Restart',
  'RestartSec',
  'Type',
  'TimeoutStartSec',
  'SyslogIdentifier',
])

/**
 * `systemd-run -p` properties that reproduce a merged unit's sandbox (RootDirectory, binds,
 * identity, hardening, environment) for hooks and exec probes.
 */
export function sandboxProperties(unit: MergedUnit): string[] {
  return transientProperties(unit, {sections: ['Service'], omit: NOT_SANDBOX})
}
