import {existsSync} from 'node:fs'

import {STATUS_PROPS, type UnitStatus, splitShowBlocks, systemctl, toUnitStatus} from '../systemd/systemctl.js'

type StatusProps = Parameters<typeof toUnitStatus>[0]

/** Whether a systemd manager runs here (sd_booted(): PID 1 is systemd). */
export function systemdReachable(): boolean {
  return existsSync('/run/systemd/system')
}

/**
 * The status of several units with one `systemctl show` (one process, whatever the number of
 * services). Empty when no systemd is reachable, so listings show `-` instead of failing.
 */
export async function unitStatuses(units: readonly string[]): Promise<Map<string, UnitStatus>> {
  const out = new Map<string, UnitStatus>()
  if (units.length === 0 || !systemdReachable()) return out
  const text = await systemctl([
    'show',
    '--timestamp=unix',
    `--property=${STATUS_PROPS.join(',')}`,
    '--',
    ...units,
  ]).catch(() => '')
  splitShowBlocks(text).forEach((block, i) => {
    const unit = units[i]
    if (unit === undefined) return
    const p = Object.fromEntries(STATUS_PROPS.map((k) => [k, block[k] ?? ''])) as unknown as StatusProps
    out.set(unit, toUnitStatus(p))
  })
  return out
}
