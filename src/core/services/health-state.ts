/**
 * The health state machine of a running service, as its periodic check advances it. Pure: the
 * check feeds it the last record, the probe result and when the running instance started.
 */
export type HealthStatus = 'healthy' | 'unhealthy' | 'starting'

export interface HealthSnapshot {
  readonly status: HealthStatus
  /** Consecutive failed probes. */
  readonly failures: number
  /** ISO 8601 time of the check that produced it. */
  readonly lastCheck: string
}

export interface HealthStep {
  readonly status: HealthStatus
  /** The counter to record (reset to 0 when this check acts on it). */
  readonly failures: number
  /** This failure reached `retries`: run on_unhealthy and restart the service. */
  readonly act: boolean
}

/**
 * A record older than the running instance belongs to the process before the last (re)start,
 * which only completed once the start gate's probe passed: the count starts over from healthy.
 */
export function baseline(
  previous: HealthSnapshot | undefined,
  startedAt: Date | undefined,
): HealthSnapshot | undefined {
  if (!previous) return undefined
  if (startedAt && Date.parse(previous.lastCheck) < startedAt.getTime()) return undefined
  return previous
}

export function nextHealth(
  previous: HealthSnapshot | undefined,
  ok: boolean,
  retries: number,
  startedAt?: Date,
): HealthStep {
  if (ok) return {status: 'healthy', failures: 0, act: false}
  const base = baseline(previous, startedAt)
  const failures = (base?.failures ?? 0) + 1
  if (failures >= Math.max(1, retries)) return {status: 'unhealthy', failures: 0, act: true}
  // Like Docker: a healthy service stays healthy until `retries` probes in a row have failed.
  return {status: base?.status ?? 'healthy', failures, act: false}
}

/**
 * What the HEALTH column says: `running` when the version has no [healthcheck] (as niso's docs
 * show it), `starting` while the start gate runs, the last check's verdict when it is newer than
 * the running instance, and `healthy` otherwise (a health-gated unit is only active once its
 * first probe passed). `-` when the service is not running.
 */
export function healthLabel(input: {
  readonly activeState: string
  readonly hasCheck: boolean
  readonly record?: HealthSnapshot | undefined
  readonly activeSince?: Date | undefined
}): string {
  if (input.activeState === 'activating' || input.activeState === 'reloading') return input.hasCheck ? 'starting' : '-'
  if (input.activeState !== 'active') return '-'
  if (!input.hasCheck) return 'running'
  return baseline(input.record, input.activeSince)?.status ?? 'healthy'
}
