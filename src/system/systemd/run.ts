import {spawn} from 'node:child_process'
import {constants} from 'node:os'

import {NisoError} from '../../core/errors.js'

export interface RunOptions {
  /** Written to the command's stdin, which is then closed. Without it stdin is empty. */
  readonly input?: string | Buffer
  /** The whole environment of the command (nothing is inherited when given). */
  readonly env?: NodeJS.ProcessEnv
  readonly cwd?: string
  /** Kills the command (SIGKILL) after this long; the result then has `timedOut: true`. */
  readonly timeoutMs?: number
  /** Throw a NisoError on a non-zero exit, a signal, a timeout or a command that cannot start. */
  readonly check?: boolean
  /** The NisoError code used when `check` throws. */
  readonly errorCode?: string
}

export interface RunResult {
  /** The exit code, or 128 + the signal number when the command was killed. */
  readonly code: number
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
}

/**
 * Runs one command to completion and captures its output. A command that cannot start at all
 * (not installed) resolves with code 127 and the reason on stderr, as a shell would report it,
 * unless `check` is set, which turns every failure into one NisoError line naming the command
 * and the first line of what it wrote to stderr.
 */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let timedOut = false
    let spawnError: Error | undefined
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            child.kill('SIGKILL')
          }, opts.timeoutMs)
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    child.stdin.on('error', () => {}) // a command that exits without reading its input
    child.on('error', (error) => {
      spawnError = error
    })
    child.on('close', (status, signal) => {
      if (timer) clearTimeout(timer)
      const stderr = spawnError ? `${cmd}: ${spawnError.message}\n` : Buffer.concat(err).toString('utf8')
      const code = spawnError ? 127 : (status ?? 128 + signalNumber(signal))
      const result: RunResult = {code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr, timedOut}
      if (opts.check && (code !== 0 || timedOut)) reject(commandError(cmd, args, result, opts.errorCode))
      else resolve(result)
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** Like `run` with `check: true`: resolves with stdout, throws a NisoError on any failure. */
export async function runChecked(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, {...opts, check: true})
  return r.stdout
}

/** The one-line NisoError for a failed command: `<cmd> <first arg>: <first stderr line>`. */
export function commandError(cmd: string, args: readonly string[], r: RunResult, code = 'E_COMMAND'): NisoError {
  const what = [cmd, ...args.slice(0, 2)].join(' ')
  const why = r.timedOut
    ? 'timed out'
    : firstLine(r.stderr) || firstLine(r.stdout) || (r.signal ? `killed by ${r.signal}` : `exit code ${r.code}`)
  return new NisoError(code, `${what}: ${why}`, {exitCode: 1})
}

export function firstLine(text: string): string {
  for (const line of text.split('\n')) {
    const t = line.trim()
    if (t) return t
  }
  return ''
}

export function signalNumber(signal: NodeJS.Signals | null): number {
  return (signal && constants.signals[signal]) || 1
}
