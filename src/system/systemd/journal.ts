import {spawn} from 'node:child_process'

import {runChecked} from './run.js'
import type {SystemctlOptions} from './systemctl.js'

/** The local journal (journald), through `journalctl`. */

export type JournalOutput = 'cat' | 'short-iso' | 'short-precise' | 'json' | 'with-unit'

export interface JournalQuery {
  /** Units whose messages to show (`-u`, repeatable). */
  readonly units?: readonly string[]
  /** The last N lines (`-n N`). */
  readonly lines?: number
  /** `--since`: a Date, or any journalctl time spec ("-10min", "2024-01-01 10:00", "today"). */
  readonly since?: Date | string
  readonly until?: Date | string
  /** Defaults to "cat": just the message text, as a service wrote it. */
  readonly output?: JournalOutput
}

/** The journalctl arguments for a query (pure; `follow` adds `-f`). */
export function journalArgs(q: JournalQuery, follow = false): string[] {
  const args = ['--no-pager', '--quiet', `--output=${q.output ?? 'cat'}`]
  for (const u of q.units ?? []) args.push(`--unit=${u}`)
  if (q.lines !== undefined) args.push(`--lines=${Math.max(0, Math.floor(q.lines))}`)
  if (q.since !== undefined) args.push(`--since=${timeSpec(q.since)}`)
  if (q.until !== undefined) args.push(`--until=${timeSpec(q.until)}`)
  if (follow) args.push('--follow')
  return args
}

/** The unit's last `n` journal lines (message text only), oldest first. */
export async function lastLines(unit: string, n: number, opts: SystemctlOptions = {}): Promise<string[]> {
  return query({units: [unit], lines: n}, opts)
}

/** The unit's lines since a moment (a Date or a journalctl time spec). */
export async function since(unit: string, when: Date | string, opts: SystemctlOptions = {}): Promise<string[]> {
  return query({units: [unit], since: when}, opts)
}

export async function query(q: JournalQuery, opts: SystemctlOptions = {}): Promise<string[]> {
  const text = await runChecked('journalctl', journalArgs(q), {
    errorCode: 'E_JOURNAL',
    ...(opts.timeoutMs === undefined ? {} : {timeoutMs: opts.timeoutMs}),
  })
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

/**
 * Streams the journal to `out` (default: this process's stdout) until journalctl ends or the
 * returned `stop()` is called; `done` resolves with journalctl's exit code.
 */
export function follow(
  q: JournalQuery,
  out: NodeJS.WritableStream = process.stdout,
): {readonly done: Promise<number>; stop(): void} {
  const child = spawn('journalctl', journalArgs(q, true), {stdio: ['ignore', 'pipe', 'inherit']})
  child.stdout.pipe(out, {end: false})
  const done = new Promise<number>((resolve) => {
    child.on('error', () => resolve(127))
    child.on('close', (code, signal) => resolve(code ?? (signal === 'SIGTERM' ? 0 : 1)))
  })
  return {done, stop: () => void child.kill('SIGTERM')}
}

function timeSpec(t: Date | string): string {
  // journalctl reads "@<epoch seconds>" unambiguously, whatever the timezone.
  return t instanceof Date ? `@${Math.floor(t.getTime() / 1000)}` : t
}
