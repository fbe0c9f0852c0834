import type {AppView, Manifest} from '@niso/plugin-sdk'

import type {NetworkSection} from '../../core/net/attach-plan.js'
import type {NetworkContribution} from '../../core/plan/plan-unit.js'
import {runLeaseName} from '../../core/run/run-network.js'
import {type NetHost, attachAndStart, detachService, isAttached, planServiceNetwork} from '../net/attach.js'

/** A run's planned attachment: what its unit gets, the attach that makes it real, its release. */
export interface RunNetwork {
  readonly contribution: NetworkContribution
  /** The run's hostname on the network (and inside it). */
  readonly hostname: string
  /** Records the lease and brings up the namespace. */
  attach(): Promise<void>
  /** Frees the attachment if it is still held (its cleanup unit normally did). */
  release(): Promise<boolean>
}

/** Plans a run's attachment under its lease name; every check that can fail does so here. */
export async function planRunNetwork(
  net: NetHost,
  scratchId: string,
  source: {readonly version: string; readonly dir: string; readonly manifest: Readonly<Manifest>},
  section: NetworkSection,
): Promise<RunNetwork> {
  const app: AppView = {name: runLeaseName(scratchId), ...source}
  const {plan, plugin, source: from} = await planServiceNetwork(net, app, section)
  return {
    contribution: {plugin, source: from, unit: plan.unit, rootfs: plan.rootfs},
    hostname: section.hostname ?? app.name,
    attach: () => attachAndStart(net, app, section),
    release: () => releaseRun(net, scratchId),
  }
}

/** Frees a run's attachment (`niso net release-run`, from its cleanup unit); nothing when it had none. */
export async function releaseRun(net: NetHost, scratchId: string): Promise<boolean> {
  const service = runLeaseName(scratchId)
  if (!(await isAttached(net.paths, service))) return false
  await detachService(net, service)
  return true
}
