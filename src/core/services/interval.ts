import {DURATION_RE, durationToMs} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/** A flag's duration ("500ms", "1s", "1m30s") in milliseconds, at least 100 ms. */
export function parseInterval(flag: string, text: string): number {
  const ms = DURATION_RE.test(text) ? durationToMs(text) : 0
  if (ms < 100) throw new NisoError('E_FLAG', `${flag}: must be a duration of at least 100ms like "1s" (got "${text}")`)
  return ms
}
