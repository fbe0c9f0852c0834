import fs from 'node:fs'
import path from 'node:path'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {NisoError, messageOf} from '../../core/errors.js'

/**
 * Creates the plan's named volumes that do not exist yet. The volumes directory is root-only
 * (0700), so a volume is reachable only through the bind mount of the services that name it;
 * the volume itself is 0777, writable by whichever dynamic user the service runs as (the same
 * uid across versions and rollbacks, since it derives from the unit name). Existing volumes are
 * left exactly as they are. The undo removes the volumes this call created, if still empty.
 */
export async function ensureVolumes(plan: Pick<ActivationPlan, 'volumes'>): Promise<() => Promise<void>> {
  const created: string[] = []
  try {
    for (const volume of plan.volumes) {
      const parent = path.dirname(volume.path)
      if (fs.mkdirSync(parent, {recursive: true, mode: 0o700})) fs.chmodSync(parent, 0o700)
      try {
        fs.mkdirSync(volume.path, {mode: 0o777})
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue
        throw error
      }
      fs.chmodSync(volume.path, 0o777)
      created.push(volume.path)
    }
  } catch (error) {
    throw new NisoError('E_VOLUME', `cannot create volume directory: ${messageOf(error)}`)
  }
  return async () => {
    for (const dir of created.reverse()) {
      try {
        fs.rmdirSync(dir)
      } catch {
        // not empty any more: the service wrote to it, so it stays
      }
    }
  }
}
