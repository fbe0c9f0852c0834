import {spawnSync} from 'node:child_process'
import path from 'node:path'

/** The real CLI launcher (bin/niso picks the repo's Node 24), as a user runs it. */
export const NISO_BIN = path.join(import.meta.dirname, '../../bin/niso')

export interface NisoRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `bin/niso <args>` synchronously and captures its exit code and output. `env` is merged over
 * the test process's environment (set NISO_ROOT to a temp dir there); `input` is written to stdin.
 */
export function runNiso(args: string[], opts: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): NisoRun {
  const r = spawnSync(NISO_BIN, args, {
    cwd: opts.cwd ?? process.cwd(),
    env: {...process.env, NO_COLOR: '1', ...opts.env},
    input: opts.input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  if (r.error) throw r.error
  return {code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr}
}
