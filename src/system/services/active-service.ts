import {promises as fs} from 'node:fs'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {type ServiceLayout, serviceLayout, versionLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {versionOfUnitTarget} from '../../core/services/unit-link.js'
import {readState} from '../state/db.js'
import {type ServiceRecord, getService} from '../state/services-repo.js'
import {readLink} from './links.js'

/** An app whose service niso activated, with the plan its current version was activated from. */
export interface ActiveService {
  readonly app: string
  readonly layout: ServiceLayout
  readonly version: string
  readonly previousVersion: string | null
  readonly plan: ActivationPlan
}

/** The plan.json an activated version was started from (rollback, hooks and checks use exactly it). */
export async function readPlan(paths: NisoPaths, app: string, version: string): Promise<ActivationPlan> {
  return readPlanFile(versionLayout(serviceLayout(paths, app), version).planFile, `${app} ${version}`)
}

export async function readPlanFile(file: string, what = file): Promise<ActivationPlan> {
  let text: string
  try {
    text = await fs.readFile(file, 'utf8')
  } catch {
    throw new NisoError('E_NOT_ACTIVATED', `${what} was never activated here (no ${file})`)
  }
  try {
    return JSON.parse(text) as ActivationPlan
  } catch {
    throw new NisoError('E_PLAN', `${file}: not valid JSON; activate the version again to rewrite it`)
  }
}

export async function serviceRecord(paths: NisoPaths, app: string): Promise<ServiceRecord | undefined> {
  return readState(paths, (db) => getService(db, app))
}

/** The current version and its plan; a one-line error when the app is not active. */
export async function activeService(paths: NisoPaths, app: string): Promise<ActiveService> {
  const record = await serviceRecord(paths, app)
  if (!record?.currentVersion) {
    throw new NisoError(
      'E_NOT_ACTIVE',
      record ? `${app} is not active (deactivated)` : `${app} is not active: it was never activated here`,
    )
  }
  return {
    app,
    layout: serviceLayout(paths, app),
    version: record.currentVersion,
    previousVersion: record.previousVersion,
    plan: await readPlan(paths, app, record.currentVersion),
  }
}

/**
 * The plan of the version the live unit file points at right now. During an activation or a
 * rollback that is the version being started, before the DB says so; the DB's current version is
 * the fallback when the unit link is not one of niso's.
 */
export async function livePlan(paths: NisoPaths, app: string): Promise<ActivationPlan> {
  const layout = serviceLayout(paths, app)
  const target = await readLink(layout.unitPath)
  const version = target === undefined ? undefined : versionOfUnitTarget(layout, target)
  if (version) return readPlan(paths, app, version)
  return (await activeService(paths, app)).plan
}
