import {messageOf} from '../../core/errors.js'
import {describeProbe} from '../../core/health/probe-spec.js'
import type {NisoPaths} from '../../core/paths.js'
import {type HealthStatus, nextHealth} from '../../core/services/health-state.js'
import {readState, withState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {getHealth, putHealth} from '../state/health-repo.js'
import {restart} from '../systemd/systemctl.js'
import {readPlan, serviceRecord} from './active-service.js'
import {mainProcess} from './main-process.js'
import {probeService} from './probe-service.js'
import {runHook} from './sandbox-hook.js'

export interface HealthCheckResult {
  readonly app: string
  readonly version: string | null
  /** Why nothing was probed (not active, no [healthcheck], starting or stopped), or null. */
  readonly skipped: string | null
  readonly ok: boolean
  readonly detail: string
  readonly status: HealthStatus | null
  readonly failures: number
  /** This check hit `retries`: on_unhealthy ran (when there is one) and the service was restarted. */
  readonly restarted: boolean
  /** The on_unhealthy script, when the version has one. */
  readonly hook: string | null
  /** on_unhealthy's output. */
  readonly hookOutput: string
  /** What went wrong while acting on an unhealthy service (hook or restart), or null. */
  readonly actionError: string | null
}

/**
 * One periodic check of an active service, run by its `-health.timer` (no daemon): probe once
 * from where the service lives, record the result, and after `retries` consecutive failures run
 * on_unhealthy in the service's sandbox, restart the service and reset the counter (Docker only
 * reports unhealthy). A service that is not running is not probed: its start gate and systemd's
 * Restart= own that. `log` gets the verdict before anything is acted on, then each action.
 */
export async function checkHealth(
  paths: NisoPaths,
  app: string,
  log: (line: string) => void = () => {},
): Promise<HealthCheckResult> {
  const record = await serviceRecord(paths, app)
  const version = record?.currentVersion ?? null
  const result = (r: Partial<HealthCheckResult>): HealthCheckResult => ({
    app,
    version,
    skipped: null,
    ok: false,
    detail: '',
    status: null,
    failures: 0,
    restarted: false,
    hook: null,
    hookOutput: '',
    actionError: null,
    ...r,
  })
  const skip = (why: string) => {
    const r = result({skipped: why})
    log(checkLine(r))
    return r
  }
  if (!version) return skip('not active')
  const plan = await readPlan(paths, app, version)
  if (!plan.health) return skip(`${version} has no [healthcheck]`)
  const spec = plan.health.spec

  const main = await mainProcess(plan.unitName)
  if (main.activeState !== 'active') return skip(`${plan.unitName} is ${main.activeState} (${main.subState})`)
  const probe = await probeService(spec.probe, spec.timeoutMs, main.pid)

  const previous = await readState(paths, (db) => getHealth(db, app))
  const step = nextHealth(previous, probe.ok, spec.retries, main.activeSince)
  await withState(paths, (db) => {
    putHealth(db, {
      service: app,
      status: step.status,
      failures: step.failures,
      lastCheck: new Date().toISOString(),
      lastDetail: probe.detail,
    })
    if (step.act) {
      recordEvent(db, {
        kind: 'unhealthy',
        name: app,
        version,
        detail: {probe: describeProbe(spec.probe), detail: probe.detail, retries: spec.retries},
      })
    }
  })
  const hook = plan.health.onUnhealthy ?? null
  const verdict = result({
    ok: probe.ok,
    detail: probe.detail,
    status: step.status,
    failures: step.failures,
    restarted: step.act,
    hook,
  })
  log(checkLine(verdict))
  if (!step.act) return verdict

  const errors: string[] = []
  let hookOutput = ''
  if (hook) {
    // A failing hook does not stop the restart: the restart is what heals.
    try {
      const out = await runHook(plan, 'on_unhealthy', hook)
      hookOutput = out.stdout + out.stderr
      if (hookOutput.trim()) log(hookOutput.trimEnd())
    } catch (error) {
      errors.push(messageOf(error))
      log(messageOf(error))
    }
  }
  log(`restarting ${plan.unitName}`)
  try {
    await restart(plan.unitName)
    log(`restarted ${plan.unitName}`)
  } catch (error) {
    const why = `restart of ${plan.unitName} failed: ${messageOf(error)}`
    errors.push(why)
    log(why)
    await withState(paths, (db) => recordEvent(db, {kind: 'restart-failed', name: app, version, detail: {why}}))
  }
  return {...verdict, hookOutput, actionError: errors.length ? errors.join('; ') : null}
}

/** The verdict line the check writes to its journal. */
export function checkLine(r: HealthCheckResult): string {
  if (r.skipped) return `${r.app}: not checked (${r.skipped})`
  if (r.ok) return `${r.app}: healthy`
  if (r.restarted) {
    return `${r.app}: probe failed (${r.detail}), unhealthy: ${r.hook ? `running on_unhealthy ${r.hook}, then ` : ''}restarting`
  }
  return `${r.app}: probe failed (${r.detail}), ${r.failures} consecutive failure(s)`
}
