import {promises as fs} from 'node:fs'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {runInSandbox} from '../activation/run-in-sandbox.js'
import {readState, withState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {type HealthRecord, getHealth, putHealth} from '../state/health-repo.js'
import {getService} from '../state/services-repo.js'
import {restart, show} from '../systemd/systemctl.js'
import {runProbe} from './run-probe.js'

export interface CheckResult {
  readonly app: string
  readonly ok: boolean
  readonly detail: string
  readonly status: HealthRecord['status']
  readonly failures: number
  /** True when this check hit the retry limit: on_unhealthy ran and the service was restarted. */
  readonly restarted: boolean
}

/**
 * One periodic health check of an active service (run by its -health.timer, no daemon): probes
 * once inside the service's namespaces, records the result, and after `retries` consecutive
 * failures runs on_unhealthy in the service's sandbox and restarts the service (Docker only
 * reports unhealthy; niso acts on it).
 */
export async function checkService(paths: NisoPaths, app: string): Promise<CheckResult> {
  const service = serviceLayout(paths, app)
  const record = await readState(paths, (db) => getService(db, app))
  if (!record?.currentVersion) throw new NisoError('E_NOT_ACTIVE', `${app} is not active`)
  const plan = JSON.parse(
    await fs.readFile(versionLayout(service, record.currentVersion).planFile, 'utf8'),
  ) as ActivationPlan
  if (!plan.health) throw new NisoError('E_NO_HEALTHCHECK', `${app} ${plan.version} has no [healthcheck]`)
  const spec = plan.health.spec

  const main = await show(service.unitName, ['MainPID', 'ActiveState'])
  const pid = Number(main.MainPID)
  const prefix = pid > 0 ? await nsenterPrefix(pid) : []
  const probe =
    pid > 0
      ? await runProbe(spec.probe, spec.timeoutMs, prefix)
      : {ok: false, detail: `not running (${main.ActiveState})`, ms: 0}

  const previous = await readState(paths, (db) => getHealth(db, app))
  const failures = probe.ok ? 0 : (previous?.failures ?? 0) + 1
  const limit = failures >= spec.retries
  const status: HealthRecord['status'] = probe.ok ? 'healthy' : limit ? 'unhealthy' : (previous?.status ?? 'starting')
  await withState(paths, (db) => {
    putHealth(db, {
      service: app,
      status,
      failures: limit ? 0 : failures,
      lastCheck: new Date().toISOString(),
      lastDetail: probe.detail,
    })
    if (limit)
      recordEvent(db, {kind: 'unhealthy', name: app, version: plan.version, detail: {detail: probe.detail, failures}})
  })
  if (limit) {
    if (plan.health.onUnhealthy) {
      // The hook's output goes to this check's journal; a failing hook does not stop the restart.
      await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${plan.health.onUnhealthy}`], {
        what: `on_unhealthy hook ${plan.health.onUnhealthy}`,
      }).then(
        (out) => process.stdout.write(out.stdout),
        (error: unknown) => process.stderr.write(`niso: ${(error as Error).message}\n`),
      )
    }
    await restart(service.unitName)
  }
  return {app, ok: probe.ok, detail: probe.detail, status, failures, restarted: limit}
}

/** nsenter into the service's namespaces, root and working dir, as its uid/gid (for exec probes). */
async function nsenterPrefix(pid: number): Promise<string[]> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8')
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '0'
  const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1] ?? '0'
  return [
    'nsenter',
    `--target=${pid}`,
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--pid',
    '--root',
    '--wd',
    `--setuid=${uid}`,
    `--setgid=${gid}`,
    '--',
  ]
}
