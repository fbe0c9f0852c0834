import type {MergedUnit} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/**
 * Checks the identity a merged unit runs as. With DynamicUser=yes (every confined preset):
 * - a user name means a dynamic user of that name; systemd uses the host's static user of that
 *   name instead when one exists. Allowed, with a warning saying so.
 * - "root" or UID 0 cannot work: systemd silently drops DynamicUser= and runs the app as root,
 *   outside everything the preset promised. Refused.
 * - a numeric UID cannot work: a dynamic user needs a name to allocate. Refused.
 * The same holds for the group. Without DynamicUser (none, minimal), User=/Group= are used as given.
 * A preset that permits the DynamicUser relaxation lets `relax = ["DynamicUser=no"]` opt out.
 */
export function checkIdentity(unit: MergedUnit, preset: string): string[] {
  const service = unit.Service
  if (service.DynamicUser !== 'yes') return []
  const warnings: string[] = []
  for (const [field, directive] of [
    ['user', 'User'],
    ['group', 'Group'],
  ] as const) {
    const name = service[directive]
    if (typeof name !== 'string') continue
    const where = `manifest.toml [service] ${field} = "${name}"`
    if (name === 'root' || /^0+$/.test(name)) {
      throw new NisoError(
        'E_USER_CONFLICT',
        `${where} cannot work with DynamicUser=yes from preset "${preset}": systemd would silently run the app as root; use preset "minimal" or "none" to run as root`,
      )
    }
    if (/^\d+$/.test(name)) {
      throw new NisoError(
        'E_USER_CONFLICT',
        `${where} cannot work with DynamicUser=yes from preset "${preset}": a dynamic ${field} needs a name, not a number`,
        {
          hint: `use a name (the host's static ${field} of that name is used if it exists), or a preset without DynamicUser`,
        },
      )
    }
    warnings.push(
      `${where}: runs as a dynamic ${field} named "${name}", or as the host's static ${field} "${name}" if one exists`,
    )
  }
  return warnings
}
