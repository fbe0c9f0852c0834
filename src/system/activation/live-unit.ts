import {show} from '../systemd/systemctl.js'

/** A unit as systemd holds it now. */
export interface LiveUnit {
  readonly active: boolean
  readonly failed: boolean
  /** 0 when there is no main process. */
  readonly mainPid: number
}

/** The unit's state; when systemd cannot be asked, stopped. */
export async function liveUnit(unit: string): Promise<LiveUnit> {
  try {
    const p = await show(unit, ['ActiveState', 'MainPID'])
    return {
      active: p.ActiveState === 'active',
      failed: p.ActiveState === 'failed',
      mainPid: Number(p.MainPID || 0),
    }
  } catch {
    return {active: false, failed: false, mainPid: 0}
  }
}
