import {promises as fs} from 'node:fs'

import type {RuntimeProvider} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import {readState} from '../state/db.js'
import {listServices} from '../state/services-repo.js'

/** The runtime provider with this id, from every loaded plugin, or a one-line error listing the known ones. */
export async function findRuntimeProvider(config: Config, id: string): Promise<RuntimeProvider> {
  const runtimes = await collectProviders(config, 'runtime')
  const found = runtimes.find((r) => r.provider.id === id)
  if (!found) {
    const known = runtimes.map((r) => r.provider.id).join(', ') || 'none'
    throw new NisoError('E_UNKNOWN_RUNTIME', `unknown runtime "${id}" (available: ${known})`)
  }
  return found.provider
}

/** Active services whose activated plan binds anything from `dir` (a runtime version). */
export async function servicesUsing(paths: NisoPaths, dir: string): Promise<string[]> {
  const services = await readState(paths, (db) => listServices(db)).catch(() => [])
  const users: string[] = []
  for (const s of services) {
    if (!s.currentVersion) continue
    const file = versionLayout(serviceLayout(paths, s.name), s.currentVersion).planFile
    const plan = JSON.parse(await fs.readFile(file, 'utf8').catch(() => '{}')) as Partial<ActivationPlan>
    if (plan.rootfs?.binds.some((b) => b.source === dir || b.source.startsWith(`${dir}/`))) users.push(s.name)
  }
  return users
}
