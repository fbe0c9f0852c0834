import fs from 'node:fs'
import path from 'node:path'

import type {AppView} from '@niso/plugin-sdk'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {parseManifest} from '../../core/manifest/parse.js'
import type {StateDb} from '../state/db.js'
import {type NetHost, type StagedAttachment, attachService, isAttached, stageDetach} from './attach.js'

export interface StageOptions {
  /** The app as planned (else its manifest is read from the package). */
  readonly app?: AppView
  /** Whether the service holds a lease now, as read while planning (else read from the state). */
  readonly attached?: boolean
  /** Written in the same state transaction as the attachment (e.g. the activation's own record). */
  readonly alsoRecord?: (db: StateDb) => void
}

/**
 * Brings a service's attachment in line with one activated version's plan (activate, rollback):
 * attached as its [network] says (a changed network, address or ports is planned again), or
 * detached when the version runs without a network (a preset with PrivateNetwork=yes). Staged:
 * the caller writes its own units, then `start` reloads systemd once and starts the companions;
 * `undo` puts the previous attachment back. Undefined when there was nothing to do (and then
 * `alsoRecord` did not run).
 */
export async function stagePlannedNetwork(
  net: NetHost | undefined,
  plan: ActivationPlan,
  log: (line: string) => void,
  opts: StageOptions = {},
): Promise<StagedAttachment | undefined> {
  if (plan.network) {
    if (!net) throw new Error('stagePlannedNetwork: the plan joins a network but no network backend was given')
    log(`attach to network ${plan.network.network} as ${plan.network.address}`)
    const app = opts.app ?? {
      name: plan.app,
      version: plan.version,
      dir: plan.packageDir,
      manifest: parseManifest(fs.readFileSync(path.join(plan.packageDir, 'manifest.toml'), 'utf8')),
    }
    return attachService(net, app, plan.network.section, opts.alsoRecord)
  }
  if (!net || !(opts.attached ?? (await isAttached(net.paths, plan.app)))) return undefined
  log(`detach from its network: ${plan.app} ${plan.version} runs without one`)
  return stageDetach(net, plan.app, opts.alsoRecord)
}
