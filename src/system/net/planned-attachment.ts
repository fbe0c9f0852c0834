import {promises as fs} from 'node:fs'
import path from 'node:path'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {type NetHost, type StagedAttachment, attachService, isAttached, stageDetach} from './attach.js'

/**
 * Brings a service's attachment in line with one activated version's plan (activate, rollback):
 * attached as its [network] says (a changed network, address or ports is planned again), or
 * detached when the version runs without a network (a preset with PrivateNetwork=yes). Staged:
 * the caller writes its own units, then `start` reloads systemd once and starts the companions;
 * `undo` puts the previous attachment back. Undefined when there was nothing to do.
 */
export async function stagePlannedNetwork(
  net: NetHost | undefined,
  plan: ActivationPlan,
  log: (line: string) => void,
): Promise<StagedAttachment | undefined> {
  if (plan.network) {
    if (!net) throw new Error('stagePlannedNetwork: the plan joins a network but no network backend was given')
    log(`attach to network ${plan.network.network} as ${plan.network.address}`)
    const manifest = parseManifest(await fs.readFile(path.join(plan.packageDir, 'manifest.toml'), 'utf8'))
    const app = {name: plan.app, version: plan.version, dir: plan.packageDir, manifest}
    return attachService(net, app, plan.network.section)
  }
  if (!net || !(await isAttached(net.paths, plan.app))) return undefined
  log(`detach from its network: ${plan.app} ${plan.version} runs without one`)
  return stageDetach(net, plan.app)
}
