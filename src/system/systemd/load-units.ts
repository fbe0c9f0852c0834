import {existsSync} from 'node:fs'
import path from 'node:path'

import {daemonReload, splitShowBlocks, systemctl} from './systemctl.js'

/**
 * Makes systemd run `units` as their files under `unitDir` now say: one daemon-reload when it
 * holds any of them in an older form (its file changed or went away since systemd loaded it) or
 * cannot load one, and none when each is loaded from its current file or has no file and is not
 * held. systemd reads a unit it does not hold from disk when it is first named (by this `show`, or
 * a job), and rebuilds its unit-file cache when a unit directory changed, so a service activated
 * afresh (first time, or after deactivate) starts without a reload. What such a start leaves
 * behind until the next reload is only the running manager's copy of multi-user.target's wants,
 * which the enable link changes on disk for the next boot.
 */
export async function loadUnits(units: readonly string[], unitDir: string): Promise<void> {
  if (units.length === 0) return
  const shown = splitShowBlocks(await systemctl(['show', '--property=LoadState,NeedDaemonReload', ...units]))
  if (reloadNeeded(units, shown, (unit) => existsSync(path.join(unitDir, unit)))) await daemonReload()
}

/**
 * Whether systemd must reload for `units`, from `systemctl show --property=LoadState,NeedDaemonReload`
 * of them (one record each, in order); `hasFile`: whether a unit's file exists.
 */
export function reloadNeeded(
  units: readonly string[],
  shown: readonly Readonly<Record<string, string>>[],
  hasFile: (unit: string) => boolean,
): boolean {
  if (shown.length !== units.length) return true
  return !units.every((unit, i) => {
    const p = shown[i]
    if (p?.NeedDaemonReload !== 'no') return false
    return p.LoadState === 'loaded' || (p.LoadState === 'not-found' && !hasFile(unit))
  })
}
