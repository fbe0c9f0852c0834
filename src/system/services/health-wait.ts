import {setTimeout as sleep} from 'node:timers/promises'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {NisoError} from '../../core/errors.js'
import {describeProbe, startBudgetMs, startPollMs} from '../../core/health/probe-spec.js'
import type {NisoPaths} from '../../core/paths.js'
import {livePlan, readPlanFile} from './active-service.js'
import {isAlive, mainProcess, procAvailable} from './main-process.js'
import {probeService} from './probe-service.js'

export interface HealthWaitResult {
  readonly app: string
  readonly version: string
  readonly healthy: boolean
  /** The passing probe's detail ("HTTP 200"), or "no [healthcheck]". */
  readonly detail: string
  readonly probes: number
  readonly ms: number
}

export interface HealthWaitOptions {
  /** The plan to take the [healthcheck] from (default: the version the live unit points at). */
  readonly planFile?: string
  /** Overrides the budget derived from the spec (start_period + retries × (interval + timeout)). */
  readonly timeoutMs?: number
  /** The service's main PID; default $MAINPID (systemd sets it for ExecStartPost=), else systemd's. */
  readonly mainPid?: number
}

/**
 * The start gate: probes (25 ms apart at first, doubling up to startPollMs(spec)) until the first pass, within startBudgetMs(spec).
 * The main unit's ExecStartPost= runs it, so the start job completes only when the service is
 * healthy and After=/Requires= on it mean "after healthy". Writes nothing (an activation holding
 * the state lock may be waiting on this very start). Fails with the last probe's detail.
 */
export async function waitHealthy(
  paths: NisoPaths,
  app: string,
  opts: HealthWaitOptions = {},
): Promise<HealthWaitResult> {
  const t0 = performance.now()
  const plan: ActivationPlan = opts.planFile ? await readPlanFile(opts.planFile) : await livePlan(paths, app)
  const elapsed = () => Math.round(performance.now() - t0)
  if (!plan.health)
    return {app, version: plan.version, healthy: true, detail: 'no [healthcheck]', probes: 0, ms: elapsed()}
  const spec = plan.health.spec
  const budget = opts.timeoutMs ?? startBudgetMs(spec)
  const poll = startPollMs(spec)
  const pid =
    opts.mainPid ?? (Number(process.env.MAINPID) || (procAvailable() ? (await mainProcess(plan.unitName)).pid : 0))

  // The gap starts short and doubles up to the poll interval: a fast start is seen at once.
  let gap = Math.min(25, poll)
  let probes = 0
  let detail: string
  for (;;) {
    const r = await probeService(spec.probe, Math.max(100, Math.min(spec.timeoutMs, budget - elapsed())), pid)
    probes++
    detail = r.detail
    if (r.ok) return {app, version: plan.version, healthy: true, detail, probes, ms: elapsed()}
    if (pid > 0 && procAvailable() && !isAlive(pid)) {
      detail = `main process ${pid} exited (last probe: ${detail})`
      break
    }
    const left = budget - elapsed()
    if (left <= 0) break
    await sleep(Math.min(gap, left))
    gap = Math.min(gap * 2, poll)
  }
  throw new NisoError(
    'E_UNHEALTHY',
    `${app} ${plan.version} not healthy after ${(elapsed() / 1000).toFixed(1)}s (${probes} probe${probes === 1 ? '' : 's'} of ${describeProbe(spec.probe)}): ${detail}`,
  )
}
