import path from 'node:path'

import type {ServiceLayout} from '../activation/layout.js'

/**
 * The version a live unit symlink points at (`<rootfs>/<app>/<version>/niso-<app>.service`), or
 * undefined when the target is not a unit of this app's version directories.
 */
export function versionOfUnitTarget(service: ServiceLayout, target: string): string | undefined {
  const abs = path.resolve(path.dirname(service.unitPath), target)
  if (path.basename(abs) !== service.unitName) return undefined
  const dir = path.dirname(abs)
  if (path.dirname(dir) !== service.appRootfsDir) return undefined
  return path.basename(dir)
}
