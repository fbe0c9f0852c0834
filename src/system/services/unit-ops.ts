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
 * `journalctl --sync` first: journald reads service output asynchronously, and the line that
 * explains a failed start (the gate's verdict) is written just before systemctl returns.
 */
export async function recentLines(unit: string, since: Date, n = 15): Promise<string[]> {
  await run('journalctl', ['--sync'], {timeoutMs: 5000})
  const lines = await query({units: [unit], since, lines: n}).catch(() => [])
  return lines.length ? lines : lastLines(unit, n).catch(() => [])
}

export function withJournal(message: string, lines: readonly string[]): string {
  return lines.length ? `${message}\n--- last log lines ---\n${lines.join('\n')}` : message
}
