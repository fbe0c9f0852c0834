import {NisoError} from '../../core/errors.js'
import {firstLine, run} from '../systemd/run.js'

/**
 * Runs a command inside a service's sandbox as a transient unit (its RootDirectory, binds,
 * dynamic user and hardening, from the plan's sandbox properties), never as host root in the
 * host's view. Used for manifest hooks and one-off runs.
 */
export async function runInSandbox(
  unitName: string,
  properties: readonly string[],
  argv: readonly string[],
  opts: {timeoutMs?: number; what: string},
): Promise<{stdout: string; stderr: string}> {
  const args = [
    '--wait',
    '--pipe',
    '--collect',
    '--quiet',
    '--service-type=exec',
    `--unit=${unitName.replace(/\.service$/, '')}-${process.pid}-${Date.now().toString(36)}`,
    ...properties.flatMap((p) => ['-p', p]),
    '--',
    ...argv,
  ]
  const r = await run('systemd-run', args, {timeoutMs: opts.timeoutMs ?? 300_000})
  if (r.code !== 0) {
    const detail = firstLine(r.stderr) || firstLine(r.stdout) || `exit ${r.code}`
    throw new NisoError('E_HOOK', `${opts.what} failed (exit ${r.code}): ${detail}`)
  }
  return {stdout: r.stdout, stderr: r.stderr}
}
