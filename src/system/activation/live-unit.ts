import {show} from '../systemd/systemctl.js'

/** A unit as systemd holds it now. */
export interface LiveUnit {
  /** systemd holds a definition of it (a file of it was there when asked). */
  readonly loaded: boolean
  readonly active: boolean
  readonly failed: boolean
  /** 0 when there is no main process. */
  readonly mainPid: number
}

/** The unit's state; when systemd cannot be asked, "loaded" and stopped (a reload is then never skipped). */
export async function liveUnit(unit: string): Promise<LiveUnit> {
  try {
    const p = await show(unit, ['LoadState', 'ActiveState', 'MainPID'])
    return {
      loaded: p.LoadState === 'loaded',
      active: p.ActiveState === 'active',
      failed: p.ActiveState === 'failed',
      mainPid: Number(p.MainPID || 0),
    }
  } catch {
    return {loaded: true, active: false, failed: false, mainPid: 0}
  }
}
