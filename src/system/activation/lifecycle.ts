import {promises as fs} from 'node:fs'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {readState, withState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {getService} from '../state/services-repo.js'
import {lastLines} from '../systemd/journal.js'
import {daemonReload, resetFailed, restart, start, stop} from '../systemd/systemctl.js'
import {runInSandbox} from './run-in-sandbox.js'
import {swapLink} from './symlinks.js'

async function readPlan(paths: NisoPaths, app: string, version: string): Promise<ActivationPlan> {
  const file = versionLayout(serviceLayout(paths, app), version).planFile
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as ActivationPlan
  } catch {
    throw new NisoError('E_NOT_ACTIVATED', `${app} ${version} was never activated here (no ${file})`)
  }
}

/** Points the live unit files at one activated version's rendered units. Returns the undo. */
async function pointUnitsAt(paths: NisoPaths, plan: ActivationPlan): Promise<() => Promise<void>> {
  const service = serviceLayout(paths, plan.app)
  const v = versionLayout(service, plan.version)
  const undos = [
    await swapLink(service.unitPath, v.unitFile),
    await swapLink(service.healthTimerPath, plan.health ? v.healthTimerFile : undefined),
    await swapLink(service.healthServicePath, plan.health ? v.healthServiceFile : undefined),
  ]
  return async () => {
    for (const u of undos.reverse()) await u()
  }
}

/**
 * Rollback: the previous version's units are already rendered and its rootfs assembled, so this
 * is a symlink swap, a daemon-reload and a restart (gated on health like any start). If the
 * previous version does not come up, the links go back and the current version is restarted.
 */
export async function rollback(paths: NisoPaths, app: string): Promise<{from: string; to: string; message: string}> {
  const service = serviceLayout(paths, app)
  const record = await readState(paths, (db) => getService(db, app))
  if (!record?.currentVersion) throw new NisoError('E_NOT_ACTIVE', `${app} is not active`)
  if (!record.previousVersion) throw new NisoError('E_NO_PREVIOUS', `${app} has no previous version to roll back to`)
  const from = record.currentVersion
  const to = record.previousVersion
  const plan = await readPlan(paths, app, to)
  const undo = await pointUnitsAt(paths, plan)
  await daemonReload()
  try {
    await resetFailed(service.unitName).catch(() => undefined)
    await restart(service.unitName)
    if (plan.health) await start(service.healthTimerName)
  } catch (error) {
    const journal = await lastLines(service.unitName, 10).catch(() => [])
    await undo()
    await daemonReload()
    await restart(service.unitName).catch(() => undefined)
    throw new NisoError(
      'E_ROLLBACK_FAILED',
      `${app} ${to} failed to start, ${from} restored: ${messageOf(error)}${journal.length ? `\n--- last log lines ---\n${journal.join('\n')}` : ''}`,
    )
  }
  await swapLink(service.currentLink, to)
  await swapLink(service.previousLink, from)
  await withState(paths, (db) => {
    db.run('UPDATE services SET current_version = ?, previous_version = ?, activated_at = ? WHERE name = ?', [
      to,
      from,
      new Date().toISOString(),
      app,
    ])
    recordEvent(db, {kind: 'rollback', name: app, version: to, detail: {from}})
  })
  return {from, to, message: `Rolled back ${app} from ${from} to ${to}`}
}

/** Deactivate: pre_deactivate, stop and disable the service and its health timer, post_deactivate. */
export async function deactivate(paths: NisoPaths, app: string): Promise<{version: string | null; message: string}> {
  const service = serviceLayout(paths, app)
  const record = await readState(paths, (db) => getService(db, app))
  const version = record?.currentVersion
  if (!version) return {version: null, message: `${app} is not active; nothing to do`}
  const plan = await readPlan(paths, app, version)
  const hook = async (script: string | undefined, name: string) => {
    if (script)
      await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${script}`], {what: `${name} hook ${script}`})
  }
  await hook(plan.hooks.preDeactivate, 'pre_deactivate')
  await stop([service.unitName, ...(plan.health ? [service.healthTimerName] : [])])
  for (const link of [service.wantsLink, service.unitPath, service.healthTimerPath, service.healthServicePath]) {
    await swapLink(link, undefined)
  }
  await daemonReload()
  await resetFailed(service.unitName).catch(() => undefined)
  await hook(plan.hooks.postDeactivate, 'post_deactivate')
  await swapLink(service.currentLink, undefined)
  await withState(paths, (db) => {
    db.run('UPDATE services SET current_version = NULL, previous_version = ? WHERE name = ?', [version, app])
    db.run('DELETE FROM health WHERE service = ?', [app])
    recordEvent(db, {kind: 'deactivate', name: app, version})
  })
  return {version, message: `Deactivated ${app} ${version} (stopped and disabled ${service.unitName})`}
}
