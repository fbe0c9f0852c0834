import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {serviceLayout} from '../../core/activation/layout.js'
import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {withState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {daemonReload} from '../systemd/systemctl.js'
import {type NetHost, detachService} from '../net/attach.js'
import {readPlan, serviceRecord} from './active-service.js'
import {swapLink} from './links.js'
import {runHook} from './sandbox-hook.js'
import {disableUnits, resetFailedUnits, stopUnits} from './unit-ops.js'

export interface DeactivateResult {
  readonly app: string
  /** The version that was stopped, or null when the app was not active. */
  readonly version: string | null
  readonly stopped: readonly string[]
  readonly warnings: readonly string[]
  readonly message: string
}

/**
 * Deactivate: pre_deactivate (in the service's sandbox, while it still runs), stop and disable the
 * service and its health timer, post_deactivate, then remove the live unit links, reload and
 * clear `current`; with `net`, free its network attachment. The version directories stay, so a later activate is cheap. A failing
 * pre_deactivate stops nothing.
 */
export async function deactivate(
  paths: NisoPaths,
  app: string,
  log: (line: string) => void = () => {},
  net?: NetHost,
): Promise<DeactivateResult> {
  const layout = serviceLayout(paths, app)
  const record = await serviceRecord(paths, app)
  const version = record?.currentVersion
  if (!version) {
    return {app, version: null, stopped: [], warnings: [], message: `${app} is not active; nothing to do`}
  }
  const warnings: string[] = []
  let plan: ActivationPlan | undefined
  try {
    plan = await readPlan(paths, app, version)
  } catch (error) {
    warnings.push(`${messageOf(error)}: hooks skipped`)
  }

  if (plan?.hooks.preDeactivate) {
    log(`pre_deactivate ${plan.hooks.preDeactivate}`)
    try {
      await runHook(plan, 'pre_deactivate', plan.hooks.preDeactivate)
    } catch (error) {
      throw new NisoError('E_HOOK', `${messageOf(error)}; ${app} ${version} keeps running`)
    }
  }

  const units = [layout.healthTimerName, layout.healthServiceName, layout.unitName]
  log(`stop ${units.join(', ')}`)
  await stopUnits(units)
  log('disable and unlink the units')
  await disableUnits([layout.unitName, layout.healthTimerName])
  for (const link of [layout.wantsLink, layout.unitPath, layout.healthTimerPath, layout.healthServicePath]) {
    await swapLink(link, undefined)
  }
  await daemonReload()
  await resetFailedUnits(units)

  if (plan?.hooks.postDeactivate) {
    log(`post_deactivate ${plan.hooks.postDeactivate}`)
    await runHook(plan, 'post_deactivate', plan.hooks.postDeactivate).catch((error: unknown) => {
      warnings.push(`${messageOf(error)} (${app} is deactivated all the same)`)
    })
  }

  if (net) {
    log('detach from its network (namespace, veth, lease, ports, hosts entries)')
    await detachService(net, app)
  }

  await swapLink(layout.currentLink, undefined)
  await swapLink(layout.previousLink, version)
  await withState(paths, (db) => {
    db.run('UPDATE services SET current_version = NULL, previous_version = ? WHERE name = ?', [version, app])
    db.run('DELETE FROM health WHERE service = ?', [app])
    recordEvent(db, {kind: 'deactivate', name: app, version})
  })
  const stopped = plan?.health ? [layout.unitName, layout.healthTimerName] : [layout.unitName]
  return {
    app,
    version,
    stopped,
    warnings,
    message: `Deactivated ${app} ${version} (stopped and disabled ${stopped.join(' and ')}; its versions stay installed)`,
  }
}
