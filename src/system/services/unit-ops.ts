import {setTimeout as sleep} from 'node:timers/promises'

import {messageOf} from '../../core/errors.js'
import {lastLines, query} from '../systemd/journal.js'
import {run} from '../systemd/run.js'
import {systemctl} from '../systemd/systemctl.js'

/** Small systemctl steps shared by deactivate and rollback, each tolerant where it must be. */

/** Stops units; a unit systemd does not know (already unlinked) counts as stopped. */
export async function stopUnits(units: readonly string[]): Promise<void> {
  for (const unit of units) {
    try {
      await systemctl(['stop', unit])
    } catch (error) {
      if (!/not loaded|not found|does not exist/i.test(messageOf(error))) throw error
    }
  }
}

/** `systemctl disable`, which also removes linked unit files; nothing to disable is fine. */
export async function disableUnits(units: readonly string[]): Promise<void> {
  await systemctl(['disable', '--quiet', ...units]).catch(() => undefined)
}

export async function resetFailedUnits(units: readonly string[]): Promise<void> {
  for (const unit of units) await systemctl(['reset-failed', unit]).catch(() => undefined)
}

/**
 * The unit's journal lines since a moment (at most `n`), else its last `n`, for error messages.
 * journald reads a service's output stream asynchronously, so the line that explains a failed
 * start (the gate's verdict, written just before systemctl returns) can arrive after systemd's
 * own "Failed with result" line: wait (at most `settleMs`) for that line, then read once more.
 */
export async function recentLines(unit: string, since: Date, n = 15, settleMs = 3000): Promise<string[]> {
  const read = async (): Promise<string[]> => {
    await run('journalctl', ['--sync'], {timeoutMs: 5000})
    return query({units: [unit], since, lines: n}).catch(() => [])
  }
  const deadline = Date.now() + settleMs
  let lines = await read()
  while (!lines.some((l) => /Failed with result|Failed to start/.test(l)) && Date.now() < deadline) {
    await sleep(100)
    lines = await read()
  }
  await sleep(200)
  lines = await read()
  return lines.length ? lines : lastLines(unit, n).catch(() => [])
}

export function withJournal(message: string, lines: readonly string[]): string {
  return lines.length ? `${message}\n--- last log lines ---\n${lines.join('\n')}` : message
}
