import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {type ServiceLayout, serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {assembleRootfs} from '../rootfs/assemble.js'
import {readState, withState} from '../state/db.js'
import {recordEvent} from '../state/events-repo.js'
import {getService, setCurrentVersion} from '../state/services-repo.js'
import {daemonReload, resetFailed, restart, show, start, stop} from '../systemd/systemctl.js'
import {recentLines} from '../services/unit-ops.js'
import {type NetHost, startOrUndo} from '../net/attach.js'
import {stagePlannedNetwork} from '../net/planned-attachment.js'
import {runInSandbox} from './run-in-sandbox.js'
import {readLink, swapLink} from '../services/links.js'
import {ensureVolumes} from './volumes.js'

export interface ActivationResult {
  readonly app: string
  readonly version: string
  readonly previousVersion: string | null
  readonly mainPid: number
  readonly restarted: boolean
  readonly message: string
}

type Undo = () => Promise<void>

/**
 * Applies an activation plan as one transaction: every step registers an undo, and a failure at
 * any point (a hook, the start, the first health probe) runs them in reverse, so the previous
 * version is left running as it was.
 */
export async function applyActivation(
  plan: ActivationPlan,
  paths: NisoPaths,
  opts: {force: boolean; log: (line: string) => void; net?: NetHost},
): Promise<ActivationResult> {
  const service = serviceLayout(paths, plan.app)
  const target = versionLayout(service, plan.version)
  // The unit's state is read while the network attachment is staged.
  const liveState = unitState(service.unitName)
  const record = await readState(paths, (db) => getService(db, plan.app))
  const previousVersion = record?.currentVersion ?? null

  // The attachment is (re)applied even when nothing restarts: it is idempotent, and ports or
  // policies may have changed without the unit changing. A version without a network detaches.
  const attached = await stagePlannedNetwork(opts.net, plan, opts.log)
  const live = await liveState

  if (previousVersion === plan.version && live.active && !opts.force) {
    const same = (await fs.readFile(target.unitFile, 'utf8').catch(() => '')) === plan.unitText
    if (same) {
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
  }

  const undo: Undo[] = []
  const wasRunning = live.active
  let after: Promise<Awaited<ReturnType<typeof unitState>>> | undefined
  try {
    // Undone last: once files and links are back, reload and bring the previous version back up.
    undo.push(async () => {
      await daemonReload()
      await resetFailed(service.unitName).catch(() => undefined)
      if (wasRunning) await restart(service.unitName)
      else await stop(service.unitName).catch(() => undefined)
    })
    if (attached) undo.push(attached.undo)
    for (const v of plan.volumes) opts.log(`volume ${v.name} at ${v.path}`)
    undo.push(await ensureVolumes(plan))
    opts.log(`assemble rootfs ${target.root}`)
    undo.push(await writeVersionDir(plan, service, target.dir))

    opts.log(`install ${plan.unitName}`)
    undo.push(await swapLink(service.unitPath, target.unitFile))
    undo.push(await swapLink(service.healthTimerPath, plan.health ? target.healthTimerFile : undefined))
    undo.push(await swapLink(service.healthServicePath, plan.health ? target.healthServiceFile : undefined))
    undo.push(await swapLink(service.wantsLink, `../${service.unitName}`))
    // One daemon-reload loads the service's units and the network companions.
    await (attached ? attached.start({reload: true}) : daemonReload())

    if (plan.hooks.preActivate) {
      opts.log(`pre_activate ${plan.hooks.preActivate}`)
      await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${plan.hooks.preActivate}`], {
        what: `pre_activate hook ${plan.hooks.preActivate}`,
      })
    }

    opts.log(plan.health ? `start ${plan.unitName} and wait until healthy` : `start ${plan.unitName}`)
    // Only a failed unit needs its failure (and start-limit count) cleared before the start.
    if (live.failed) await resetFailed(service.unitName).catch(() => undefined)
    const startedAt = new Date()
    try {
      await restart(service.unitName)
    } catch (error) {
      const journal = await recentLines(service.unitName, startedAt)
      throw new NisoError(
        'E_START_FAILED',
        `${plan.unitName} (${plan.app} ${plan.version}) failed to start${plan.health ? ' or never became healthy' : ''}: ${messageOf(error)}${
          journal.length ? `\n--- last log lines ---\n${journal.join('\n')}` : ''
        }`,
        previousVersion ? {hint: `${plan.app} ${previousVersion} was restored`} : {},
      )
    }
    if (plan.health) await start(service.healthTimerName)

    if (plan.hooks.postActivate) {
      opts.log(`post_activate ${plan.hooks.postActivate}`)
      await runInSandbox(plan.unitName, plan.sandboxProperties, [`/app/${plan.hooks.postActivate}`], {
        what: `post_activate hook ${plan.hooks.postActivate}`,
      })
    }

    // The new MainPID is read while links and state are written.
    after = unitState(service.unitName)
    if (previousVersion !== plan.version) {
      await swapLink(service.previousLink, previousVersion ?? undefined)
      await swapLink(service.currentLink, plan.version)
    } else if (!(await readLink(service.currentLink))) {
      await swapLink(service.currentLink, plan.version)
    }
    await withState(paths, (db) => {
      setCurrentVersion(db, plan.app, plan.version, new Date().toISOString())
      recordEvent(db, {kind: 'activate', name: plan.app, version: plan.version, detail: {previous: previousVersion}})
    })
  } catch (error) {
    for (const step of undo.reverse()) await step().catch(() => undefined)
    throw error
  }
  const [{mainPid}] = await Promise.all([after ?? unitState(service.unitName), cleanupBackups(target.dir)])
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
  await fs.mkdir(path.dirname(dir), {recursive: true, mode: 0o755})
  try {
    await assembleRootfs(path.join(fresh, 'root'), plan.rootfs)
    const write = (file: string, text: string) =>
      fs.writeFile(path.join(fresh, path.basename(file)), text, {mode: 0o644})
    await write(layout.unitFile, plan.unitText)
    await write(layout.planFile, `${JSON.stringify(plan, null, 2)}\n`)
    if (plan.health) {
      await write(layout.healthTimerFile, plan.health.timerText)
      await write(layout.healthServiceFile, plan.health.serviceText)
    }
  } catch (error) {
    await fs.rm(fresh, {recursive: true, force: true})
    throw error
  }
  const hadOld = await fs.rename(dir, backup).then(
    () => true,
    () => false,
  )
  await fs.rename(fresh, dir)
  return async () => {
    await fs.rm(dir, {recursive: true, force: true})
    if (hadOld) await fs.rename(backup, dir)
  }
}

async function cleanupBackups(dir: string): Promise<void> {
  const parent = path.dirname(dir)
  const base = path.basename(dir)
  for (const entry of await fs.readdir(parent)) {
    if (entry.startsWith(`${base}.old-`)) await fs.rm(path.join(parent, entry), {recursive: true, force: true})
  }
}

async function unitState(unit: string): Promise<{active: boolean; failed: boolean; mainPid: number}> {
  try {
    const p = await show(unit, ['ActiveState', 'MainPID'])
    return {active: p.ActiveState === 'active', failed: p.ActiveState === 'failed', mainPid: Number(p.MainPID ?? 0)}
  } catch {
    return {active: false, failed: false, mainPid: 0}
  }
}
