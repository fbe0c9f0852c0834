import {setTimeout as sleep} from 'node:timers/promises'

import {messageOf} from '../../core/errors.js'
import {lastLines, query} from '../systemd/journal.js'
import {run} from '../systemd/run.js'
import {splitShowBlocks, systemctl} from '../systemd/systemctl.js'

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
 * The journal lines that explain a failed start since a moment (at most `n`), else the unit's
 * last `n`, for error messages. journald reads a service's output stream asynchronously (late on
 * a loaded host), and a unit with Restart= starts again at once and keeps logging: so wait (at
 * most `settleMs`) for systemd's "Failed with result" line, let the stream catch up, and cut the
 * lines before the next start attempt.
 */
export async function recentLines(unit: string, since: Date, n = 15, settleMs = 10_000): Promise<string[]> {
  const read = async (): Promise<string[]> => {
    await run('journalctl', ['--sync'], {timeoutMs: 5000})
    return query({units: [unit], since, lines: 5000}).catch(() => [])
  }
  // The first failure after the first start attempt (stopping the version before it may fail too).
  const failed = (lines: readonly string[]): number => {
    const start = lines.findIndex((l) => l.startsWith('Starting '))
    return lines.findIndex((l, i) => i > start && /Failed with result/.test(l))
  }
  const deadline = Date.now() + settleMs
  let lines = await read()
  while (failed(lines) < 0 && Date.now() < deadline) {
    await sleep(100)
    lines = await read()
  }
  await sleep(300)
  lines = await read()
  const at = failed(lines)
  if (at >= 0) {
    const next = lines.findIndex((l, i) => i > at && /Scheduled restart job|^Stopped |^Starting /.test(l))
    lines = lines.slice(0, next < 0 ? undefined : next)
  }
  lines = lines.slice(-n)
  return lines.length ? lines : lastLines(unit, n).catch(() => [])
}

/**
 * Why a start of `unit` failed with `error`: systemctl's message, naming the first of its
 * `dependencies` (companions its start pulled in) that failed when the message does not, and the
 * journal lines of that one, else of the unit.
 */
export async function startFailure(
  unit: string,
  dependencies: readonly string[],
  since: Date,
  error: unknown,
): Promise<{why: string; lines: string[]}> {
  const shown = dependencies.length
    ? splitShowBlocks(await systemctl(['show', '--property=ActiveState', ...dependencies]).catch(() => ''))
    : []
  const culprit = dependencies.find((_, i) => shown[i]?.ActiveState === 'failed')
  const message = messageOf(error)
  return {
    why: culprit && !message.includes(culprit) ? `${message} (${culprit} failed)` : message,
    lines: await recentLines(culprit ?? unit, since),
  }
}

export function withJournal(message: string, lines: readonly string[]): string {
  return lines.length ? `${message}\n--- last log lines ---\n${lines.join('\n')}` : message
}
