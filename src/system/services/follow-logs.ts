import {spawn} from 'node:child_process'

import {journalArgs} from '../systemd/journal.js'
import {forwardSignals} from './forward-signals.js'

/**
 * `niso logs`: journalctl for the service's unit, written straight to this process's stdout
 * (-f streams until Ctrl-C, which ends it quietly with exit 0).
 */
export function showLogs(unit: string, opts: {lines?: number; since?: string; follow?: boolean}): Promise<number> {
  const argv = journalArgs(
    {
      units: [unit],
      output: 'short-iso',
      ...(opts.lines === undefined ? {} : {lines: opts.lines}),
      ...(opts.since === undefined ? {} : {since: opts.since}),
    },
    opts.follow === true,
  )
  return new Promise((resolve) => {
    const child = spawn('journalctl', argv, {stdio: ['ignore', 'inherit', 'inherit']})
    const signals = forwardSignals(child)
    child.on('error', () => {
      signals.stop()
      process.stderr.write('niso: journalctl: not found (is systemd installed?)\n')
      resolve(127)
    })
    child.on('close', (code) => {
      signals.stop()
      resolve(signals.received() ? 0 : (code ?? 0))
    })
  })
}
