import path from 'node:path'

import type {NisoPaths} from '../paths.js'
import {healthUnitNames} from '../health/health-units.js'
import {unitNameFor} from '../unit/name.js'

/**
 * Where an activated service lives on disk. Each activated version has its own directory with
 * the rendered units and the rootfs skeleton; the live unit files in the unit directory are
 * symlinks to one version's files, so rollback is a symlink swap and a restart.
 *
 *   <rootfs>/<app>/<version>/niso-<app>.service            rendered main unit
 *   <rootfs>/<app>/<version>/niso-<app>-health.{timer,service}   health companions (when [healthcheck])
 *   <rootfs>/<app>/<version>/plan.json                     the ActivationPlan that produced them
 *   <rootfs>/<app>/<version>/root/                         RootDirectory= of the unit
 *   <unitDir>/niso-<app>.service → <rootfs>/<app>/<version>/niso-<app>.service   (and health units)
 *   <unitDir>/multi-user.target.wants/niso-<app>.service → ../niso-<app>.service (enabled)
 *   <packages>/<app>/current, previous → <version>          (symlinks next to the versions)
 */

export interface ServiceLayout {
  readonly app: string
  readonly unitName: string
  readonly healthTimerName: string
  readonly healthServiceName: string
  /** Live unit files (symlinks) in the unit directory. */
  readonly unitPath: string
  readonly healthTimerPath: string
  readonly healthServicePath: string
  readonly wantsLink: string
  /** All activated versions of this app live under here. */
  readonly appRootfsDir: string
  readonly currentLink: string
  readonly previousLink: string
}

export function serviceLayout(paths: NisoPaths, app: string): ServiceLayout {
  const unitName = unitNameFor(app)
  const health = healthUnitNames(app)
  return {
    app,
    unitName,
    healthTimerName: health.timer,
    healthServiceName: health.service,
    unitPath: path.join(paths.unitDir, unitName),
    healthTimerPath: path.join(paths.unitDir, health.timer),
    healthServicePath: path.join(paths.unitDir, health.service),
    wantsLink: path.join(paths.unitDir, 'multi-user.target.wants', unitName),
    appRootfsDir: path.join(paths.rootfs, app),
    currentLink: path.join(paths.packages, app, 'current'),
    previousLink: path.join(paths.packages, app, 'previous'),
  }
}

export interface VersionLayout {
  readonly version: string
  readonly dir: string
  readonly root: string
  readonly planFile: string
  readonly unitFile: string
  readonly healthTimerFile: string
  readonly healthServiceFile: string
}

export function versionLayout(service: ServiceLayout, version: string): VersionLayout {
  const dir = path.join(service.appRootfsDir, version)
  return {
    version,
    dir,
    root: path.join(dir, 'root'),
    planFile: path.join(dir, 'plan.json'),
    unitFile: path.join(dir, service.unitName),
    healthTimerFile: path.join(dir, service.healthTimerName),
    healthServiceFile: path.join(dir, service.healthServiceName),
  }
}
