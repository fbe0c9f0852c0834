import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {type ServiceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {withState} from '../state/db.js'
import type {NetHost} from '../net/attach.js'
import {stagePlannedNetwork} from '../net/planned-attachment.js'
import {withNetLock} from '../net/net-lock.js'
import type {ServiceStart} from '../net/reconcile.js'
import {recordEvent} from '../state/events-repo.js'
import {daemonReload, restart, start} from '../systemd/systemctl.js'
import {activeService, readPlan} from './active-service.js'
import {swapLink} from './links.js'
import {mainProcess} from './main-process.js'
import {resetFailedUnits, startFailure, stopUnits, withJournal} from './unit-ops.js'

export interface RollbackResult {
  readonly app: string
  readonly unit: string
  readonly from: string
  readonly to: string
  readonly mainPid: number
  readonly message: string
}

/**
 * Rollback to `previous`: its units are rendered and its rootfs assembled already, so this is an
 * atomic swap of the live unit links, a daemon-reload and a restart, gated on health like every
 * start. Only then do current/previous and the DB move. If the previous version does not come
 * up, the links go back and the version that was running is restarted. With `net`, the
 * service's network attachment follows the version (and goes back with the links).
 */
export async function rollback(
  paths: NisoPaths,
  app: string,
  log: (line: string) => void = () => {},
  net?: NetHost,
): Promise<RollbackResult> {
  return net ? withNetLock(paths, () => rollbackTo(paths, app, log, net)) : rollbackTo(paths, app, log)
}

/** The rollback itself; under the network lock when it has a network backend, as an activation. */
async function rollbackTo(
  paths: NisoPaths,
  app: string,
  log: (line: string) => void,
  net?: NetHost,
): Promise<RollbackResult> {
  const current = await activeService(paths, app)
  const {layout, version: from} = current
  const to = current.previousVersion
  if (!to) throw new NisoError('E_NO_PREVIOUS', `${app} has no previous version to roll back to`)
  if (to === from) throw new NisoError('E_NO_PREVIOUS', `${app}: the previous version is ${to}, the current one`)
  const target = await readPlan(paths, app, to)
  // Cleared while the network is staged: a failure, and the start-limit count that back-to-back
  // rollbacks run up.
  const reset = resetFailedUnits([layout.unitName])

  // The previous version's attachment (network, address, ports) comes back with it.
  const network = await stagePlannedNetwork(net, target, log)
  log(`point ${layout.unitName} at ${to}`)
  if (current.plan.health && !target.health) await stopUnits([layout.healthTimerName])
  const undo = await pointUnitsAt(layout, target)
  const startedAt = new Date()
  let dependencies: readonly string[] = []
  const startService: ServiceStart = async (companions) => {
    log(`restart ${layout.unitName}${target.health ? ' and wait until healthy' : ''}`)
    dependencies = companions.dependencies
    await reset
    await restart([...companions.restartFirst, layout.unitName])
  }
  try {
    // One daemon-reload loads the service's units and the network companions; the service starts
    // in the same step as its companions.
    if (network) await network.start({reload: true, service: startService})
    else {
      await daemonReload()
      await startService({restartFirst: [], dependencies: []})
    }
    if (target.health) await start(layout.healthTimerName)
  } catch (error) {
    const {why, lines} = await startFailure(layout.unitName, dependencies, startedAt, error)
    log(`${to} did not come up: restore ${from}`)
    await undo()
    await network?.undo()
    await daemonReload()
    await resetFailedUnits([layout.unitName])
    const restored = await restart(layout.unitName).then(
      async () => {
        if (current.plan.health) await start(layout.healthTimerName)
        return `${from} restored and running`
      },
      (e: unknown) => `restarting ${from} failed too: ${messageOf(e)}`,
    )
    throw new NisoError(
      'E_ROLLBACK_FAILED',
      withJournal(
        `${app} ${to} failed to start${target.health ? ' or never became healthy' : ''} (${why}); ${restored}`,
        lines,
      ),
    )
  }

  // The new MainPID is read while links and state are written.
  const main = mainProcess(layout.unitName).catch(() => undefined)
  await swapLink(layout.currentLink, to)
  await swapLink(layout.previousLink, from)
  await withState(paths, (db) => {
    db.run('UPDATE services SET current_version = ?, previous_version = ?, activated_at = ? WHERE name = ?', [
      to,
      from,
      new Date().toISOString(),
      app,
    ])
    db.run('DELETE FROM health WHERE service = ?', [app])
    recordEvent(db, {kind: 'rollback', name: app, version: to, detail: {from}})
  })
  const pid = (await main)?.pid ?? 0
  return {
    app,
    unit: layout.unitName,
    from,
    to,
    mainPid: pid,
    message: `Rolled back ${app} from ${from} to ${to}`,
  }
}

/** Points the live unit links at one activated version's files; returns the undo. */
async function pointUnitsAt(layout: ServiceLayout, plan: ActivationPlan): Promise<() => Promise<void>> {
  const v = versionLayout(layout, plan.version)
  const undos = [
    await swapLink(layout.unitPath, v.unitFile),
    await swapLink(layout.healthTimerPath, plan.health ? v.healthTimerFile : undefined),
    await swapLink(layout.healthServicePath, plan.health ? v.healthServiceFile : undefined),
  ]
  return async () => {
    for (const u of undos.reverse()) await u()
  }
}
