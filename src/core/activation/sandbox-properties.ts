import type {MergedUnit} from '@niso/plugin-sdk'

import {COMMAND_DIRECTIVES, transientProperties} from '../unit/transient-properties.js'

/** What runs, how it is supervised and named: the service's own business, not its sandbox. */
const NOT_SANDBOX = new Set([...COMMAND_DIRECTIVES, 'TimeoutStartSec', 'SyslogIdentifier'])

/**
 * `systemd-run -p` properties that reproduce a merged unit's sandbox (RootDirectory, binds,
 * identity, hardening, environment) for hooks and exec probes.
 */
export function sandboxProperties(unit: MergedUnit): string[] {
  return transientProperties(unit, {sections: ['Service'], omit: NOT_SANDBOX})
}
