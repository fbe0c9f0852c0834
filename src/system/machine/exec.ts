import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import {type RunResult, run, signalNumber} from '../systemd/run.js'
import type {MachineRecord} from './state.js'

/**
 * Running commands inside a machine: `nsenter --all` into every namespace of its PID 1 (so the
 * root, PID space, network and cgroup view are the machine's), after joining the machine's
 * `supervisor` cgroups so the process is accounted to, and killed with, the machine. The
 * command gets a clean environment, never the caller's.
 */

export const MACHINE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface MachineExecOptions {
  /** Extra variables (`--env K=V`). */
  readonly env?: Readonly<Record<string, string>>
  /** Working directory inside; when missing there, `/`. Default: `/`. */
  readonly cwd?: string
}

/** The environment of a command run in a machine: PATH, HOME, TERM, … plus the given variables. */
export function machineEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: MACHINE_PATH,
    HOME: '/root',
    USER: 'root',
    LOGNAME: 'root',
    SHELL: '/bin/bash',
    TERM: process.env.TERM || 'dumb',
    LANG: 'C.UTF-8',
  }
  if (process.env.NO_COLOR !== undefined) env.NO_COLOR = process.env.NO_COLOR
  return {...env, ...extra}
}

/** Parses `K=V` pairs (from repeated --env flags); a missing "=" or a bad name is an error. */
export function parseEnvPairs(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const p of pairs) {
    const eq = p.indexOf('=')
    const key = eq > 0 ? p.slice(0, eq) : ''
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      throw new NisoError('E_MACHINE_ENV', `--env ${p}: expected NAME=VALUE with a variable name before "="`)
    }
    out[key] = p.slice(eq + 1)
  }
  return out
}

// $1 = PID 1's host PID, $2 = working directory inside, then cgroup.procs files, "--", the command.
const WRAPPER = `pid=$1 cwd=$2
shift 2
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  echo $$ > "$1" 2>/dev/null || :
  shift
done
shift
exec nsenter --target "$pid" --all -- /bin/sh -c 'cd -- "$1" 2>/dev/null || cd /; shift; exec "$@"' niso-exec "$cwd" "$@"`

/** The argv (for /bin/sh) that runs `cmd args` in the machine. */
export function execArgv(record: MachineRecord, cmd: string, args: readonly string[], cwd = '/'): string[] {
  const procs = record.cgroups.map((d) => path.join(d, 'supervisor', 'cgroup.procs')).filter((f) => fs.existsSync(f))
  return ['-c', WRAPPER, 'niso-exec', String(record.pid), cwd, ...procs, '--', cmd, ...args]
}

/** Runs a command in the machine and captures its output (`input` goes to its stdin). */
export function execCapture(
  record: MachineRecord,
  cmd: string,
  args: readonly string[],
  opts: MachineExecOptions & {input?: string; timeoutMs?: number} = {},
): Promise<RunResult> {
  return run('/bin/sh', execArgv(record, cmd, args, opts.cwd), {
    env: machineEnv(opts.env),
    ...(opts.input === undefined ? {} : {input: opts.input}),
    ...(opts.timeoutMs === undefined ? {} : {timeoutMs: opts.timeoutMs}),
  })
}

/**
 * Runs a command in the machine with this process's stdin, stdout and stderr, and resolves with
 * its exit code (128 + signal when killed). Ctrl-C reaches the command, not niso.
 */
export function execInteractive(
  record: MachineRecord,
  cmd: string,
  args: readonly string[],
  opts: MachineExecOptions = {},
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', execArgv(record, cmd, args, opts.cwd), {
      env: machineEnv(opts.env),
      stdio: 'inherit',
    })
    const ignore = (): void => {}
    const signals = ['SIGINT', 'SIGQUIT', 'SIGTSTP'] as const
    for (const s of signals) process.on(s, ignore)
    const done = (): void => {
      for (const s of signals) process.off(s, ignore)
    }
    child.on('error', (error) => {
      done()
      reject(new NisoError('E_MACHINE_EXEC', `cannot run nsenter: ${error.message}`))
    })
    child.on('close', (code, signal) => {
      done()
      resolve(code ?? 128 + signalNumber(signal))
    })
  })
}
