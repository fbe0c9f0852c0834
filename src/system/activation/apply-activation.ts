import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {type ServiceLayout, serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {assembleRootfs} from '../rootfs/assemble.js'
import {readTextOr} from '../read-or.js'
import {type StateDb, withState} from '../state/db.js'
import {deleteEvent, recordEvent} from '../state/events-repo.js'
import {restoreService, setCurrentVersion} from '../state/services-repo.js'
import {loadUnits} from '../systemd/load-units.js'
import {daemonReload, resetFailed, restart, start, stop} from '../systemd/systemctl.js'
import {startFailure, withJournal} from '../services/unit-ops.js'
import {type NetHost, startOrUndo} from '../net/attach.js'
import type {ServiceStart} from '../net/reconcile.js'
import {stagePlannedNetwork} from '../net/planned-attachment.js'
import {withNetLock} from '../net/net-lock.js'
import {runInSandbox} from './run-in-sandbox.js'
import {readLink, swapLink} from '../services/links.js'
import {ensureVolumes} from './volumes.js'
import {type LiveUnit, liveUnit} from './live-unit.js'
import type {ActivationStart} from './prepare-activation.js'

export interface ActivationResult {
  readonly app: string
  readonly version: string
  readonly previousVersion: string | null
  readonly mainPid: number
  readonly restarted: boolean
  readonly message: string
}

type Undo = () => Promise<void>

export interface ApplyOptions {
  readonly force: boolean
  readonly log: (line: string) => void
  readonly net?: NetHost
  readonly before: ActivationStart
}

/**
 * Applies an activation plan as one transaction: every step registers an undo, and a failure at
 * any point (a hook, the start, the first health probe) runs them in reverse, so the previous
 * version is left running as it was. With a network backend, all of it holds the network lock:
 * the attachment is staged, started with the service and, on failure, undone by one process.
 */
export async function applyActivation(
  plan: ActivationPlan,
  paths: NisoPaths,
  opts: ApplyOptions,
): Promise<ActivationResult> {
  return opts.net ? withNetLock(paths, () => apply(plan, paths, opts)) : apply(plan, paths, opts)
}

async function apply(plan: ActivationPlan, paths: NisoPaths, opts: ApplyOptions): Promise<ActivationResult> {
  const service = serviceLayout(paths, plan.app)
  const target = versionLayout(service, plan.version)
  const {record, unit: live} = opts.before
  const previousVersion = record?.currentVersion ?? null
  const unchanged =
    previousVersion === plan.version && live.active && !opts.force && readTextOr(target.unitFile, '') === plan.unitText

  // Recorded with the attachment, in one state transaction before the start (undone if the start
  // fails): the state then names the version the unit files point at.
  const at = new Date().toISOString()
  let recorded = false
  const recordActivation = (db: StateDb) => {
    setCurrentVersion(db, plan.app, plan.version, at)
    recordEvent(db, {kind: 'activate', name: plan.app, version: plan.version, detail: {previous: previousVersion}, at})
    recorded = true
  }
  const unrecord = () =>
    withState(paths, (db) => {
      restoreService(db, plan.app, record)
      deleteEvent(db, {kind: 'activate', name: plan.app, at})
    })
  // The attachment is (re)applied even when nothing restarts: it is idempotent, and ports or
  // policies may have changed without the unit changing. A version without a network detaches.
  const attached = await stagePlannedNetwork(opts.net, plan, opts.log, {
    app: opts.before.app,
    attached: opts.before.attached,
    ...(unchanged ? {} : {alsoRecord: recordActivation}),
  }).catch(async (error: unknown) => {
    // Staging undoes its own changes when it fails after its transaction; the record is ours.
    if (recorded) await unrecord().catch(() => undefined)
    throw error
  })

  if (unchanged) {
    if (attached) await startOrUndo(attached)
    return {
      app: plan.app,
      version: plan.version,
      previousVersion: record?.previousVersion ?? null,
      mainPid: live.mainPid,
      restarted: false,
      message: `${plan.app} ${plan.version} is already active and running (MainPID ${live.mainPid}); nothing restarted (use --force to restart)`,
    }
  }

  const undo: Undo[] = []
  const wasRunning = live.active
  let after: Promise<LiveUnit> | undefined
  try {
    // Undone last: once files and links are back, reload and bring the previous version back up.
    undo.push(async () => {
      await daemonReload()
      await resetFailed(service.unitName).catch(() => undefined)
      if (wasRunning) await restart(service.unitName)
      else await stop(service.unitName).catch(() => undefined)
    })
    if (attached) undo.push(attached.undo)
    if (!attached) await withState(paths, recordActivation)
    undo.push(unrecord)
    for (const v of plan.volumes) opts.log(`volume ${v.name} at ${v.path}`)
    undo.push(await ensureVolumes(plan))
    opts.log(`assemble rootfs ${target.root}`)
    undo.push(await writeVersionDir(plan, service, target.dir))

    opts.log(`install ${plan.unitName}`)
    undo.push(await swapLink(service.unitPath, target.unitFile))
    undo.push(await swapLink(service.healthTimerPath, plan.health ? target.healthTimerFile : undefined))
    undo.push(await swapLink(service.healthServicePath, plan.health ? target.healthServiceFile : undefined))
    undo.push(await swapLink(service.wantsLink, `../${service.unitName}`))
    // The service's start; with a network, in the same step as its companions' (one transaction).
    const startService: ServiceStart = async ({restartFirst, dependencies}) => {
      // Only a failed unit needs its failure (and start-limit count) cleared before the start.
      if (live.failed) await resetFailed(service.unitName).catch(() => undefined)
      const startedAt = new Date()
      try {
        await restart([...restartFirst, service.unitName])
      } catch (error) {
        const {why, lines} = await startFailure(service.unitName, dependencies, startedAt, error)
        throw new NisoError(
          'E_START_FAILED',
          withJournal(
            `${plan.unitName} (${plan.app} ${plan.version}) failed to start${plan.health ? ' or never became healthy' : ''}: ${why}`,
            lines,
          ),
          previousVersion ? {hint: `${plan.app} ${previousVersion} was restored`} : {},
        )
      }
    }
    const starting = plan.health ? `start ${plan.unitName} and wait until healthy` : `start ${plan.unitName}`
    // One daemon-reload at most loads the service's units and the network companions; none is
    // needed when systemd holds none of them (a unit it does not hold is read afresh).
    const units = [service.unitName, service.healthTimerName, service.healthServiceName]
    const load = live.loaded ? {reload: true} : {units}
    if (attached && !plan.hooks.preActivate) {
      opts.log(starting)
      await attached.start({...load, service: startService})
    } else {
      if (attached) await attached.start(load)
      else if (live.loaded) await daemonReload()
      else await loadUnits(units, paths.unitDir)
      // The hook runs in the service's sandbox, so after its companions are up.
      if (plan.hooks.preActivate) {
        opts.log(`pre_activate ${plan.hooks.preActivate}`)
        await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${plan.hooks.preActivate}`], {
          what: `pre_activate hook ${plan.hooks.preActivate}`,
        })
      }
      opts.log(starting)
      await startService({restartFirst: [], dependencies: []})
    }
    // The new MainPID is read while the health timer starts. The service's Wants= queues the
    // timer along with it; this start waits for it, so the timer runs when activate returns.
    after = liveUnit(service.unitName)
    if (plan.health) await start(service.healthTimerName)

    if (plan.hooks.postActivate) {
      opts.log(`post_activate ${plan.hooks.postActivate}`)
      await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${plan.hooks.postActivate}`], {
        what: `post_activate hook ${plan.hooks.postActivate}`,
      })
    }
    if (previousVersion !== plan.version) {
      await swapLink(service.previousLink, previousVersion ?? undefined)
      await swapLink(service.currentLink, plan.version)
    } else if (!(await readLink(service.currentLink))) {
      await swapLink(service.currentLink, plan.version)
    }
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined)
    throw error
  }
  cleanupBackups(target.dir)
  const {mainPid} = await (after ?? liveUnit(service.unitName))
  return {
    app: plan.app,
    version: plan.version,
    previousVersion: previousVersion === plan.version ? (record?.previousVersion ?? null) : previousVersion,
    mainPid,
    restarted: true,
    message: `Activated ${plan.app} ${plan.version} (${plan.unitName}, MainPID ${mainPid}${plan.health ? ', healthy' : ''})`,
  }
}

/**
 * Writes the version directory (rootfs skeleton, units, plan.json) beside the old one and swaps it
 * in with renames; the undo swaps the old one back.
 */
async function writeVersionDir(plan: ActivationPlan, service: ServiceLayout, dir: string): Promise<Undo> {
  const suffix = randomBytes(4).toString('hex')
  const fresh = `${dir}.new-${suffix}`
  const backup = `${dir}.old-${suffix}`
  const layout = versionLayout(service, plan.version)
  fs.mkdirSync(path.dirname(dir), {recursive: true, mode: 0o755})
  try {
    await assembleRootfs(path.join(fresh, 'root'), plan.rootfs)
    const write = (file: string, text: string) =>
      fs.writeFileSync(path.join(fresh, path.basename(file)), text, {mode: 0o644})
    write(layout.unitFile, plan.unitText)
    write(layout.planFile, `${JSON.stringify(plan, null, 2)}\n`)
    if (plan.health) {
      write(layout.healthTimerFile, plan.health.timerText)
      write(layout.healthServiceFile, plan.health.serviceText)
    }
  } catch (error) {
    fs.rmSync(fresh, {recursive: true, force: true})
    throw error
  }
  let hadOld = true
  try {
    fs.renameSync(dir, backup)
  } catch {
    hadOld = false
  }
  fs.renameSync(fresh, dir)
  return async () => {
    fs.rmSync(dir, {recursive: true, force: true})
    if (hadOld) fs.renameSync(backup, dir)
  }
}

function cleanupBackups(dir: string): void {
  const parent = path.dirname(dir)
  const base = path.basename(dir)
  for (const entry of fs.readdirSync(parent)) {
    if (entry.startsWith(`${base}.old-`)) fs.rmSync(path.join(parent, entry), {recursive: true, force: true})
  }
}
