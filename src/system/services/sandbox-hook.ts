import {randomBytes} from 'node:crypto'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {NisoError} from '../../core/errors.js'
import {run} from '../systemd/run.js'

/**
 * Runs a manifest hook (a script inside /app) in the service's own sandbox: a transient unit
 * with the plan's `systemd-run -p` properties (its RootDirectory, binds, identity and hardening),
 * never as root in the host's view. Its output comes back through --pipe; a non-zero exit is one
 * NisoError line naming the hook.
 */
export async function runHook(
  plan: ActivationPlan,
  hook: string,
  script: string,
  opts: {timeoutMs?: number} = {},
): Promise<{stdout: string; stderr: string}> {
  const base = plan.unitName.replace(/\.service$/, '')
  const args = [
    '--wait',
    '--collect',
    '--pipe',
    '--quiet',
    '--service-type=exec',
    `--unit=${base}-${hook.replaceAll('_', '-')}-${randomBytes(4).toString('hex')}`,
    `--description=niso ${hook} hook of ${plan.app} ${plan.version}`,
    ...plan.sandboxProperties.flatMap((p) => ['-p', p]),
    '--',
    `/app/${script.replace(/^\.?\/+/, '')}`,
  ]
  const r = await run('systemd-run', args, {timeoutMs: opts.timeoutMs ?? 300_000})
  if (r.code !== 0 || r.timedOut) {
    const why = r.timedOut ? 'timed out' : lastLine(r.stderr) || lastLine(r.stdout) || `exit ${r.code}`
    throw new NisoError(
      'E_HOOK',
      `${hook} hook ${script} of ${plan.app} ${plan.version} failed (exit ${r.code}): ${why}`,
    )
  }
  return {stdout: r.stdout, stderr: r.stderr}
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1)?.trim() ?? ''
}
