import {promises as fs} from 'node:fs'

import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {type DebugReport, type DropIn, parseUnitMounts} from '../../core/services/debug-view.js'
import {unitExposure} from '../security-score.js'
import {readState} from '../state/db.js'
import {listEvents} from '../state/events-repo.js'
import {getHealth} from '../state/health-repo.js'
import {lastLines} from '../systemd/journal.js'
import {show} from '../systemd/systemctl.js'
import {readPlan, serviceRecord} from './active-service.js'

/** History kinds that concern a service's health and lifecycle. */
const HISTORY = new Set(['activate', 'rollback', 'deactivate', 'unhealthy', 'restart-failed'])

const PROPS = [
  'ActiveState',
  'SubState',
  'MainPID',
  'FragmentPath',
  'DropInPaths',
  'RootDirectory',
  'BindPaths',
  'BindReadOnlyPaths',
  'TemporaryFileSystem',
] as const

/**
 * What systemd has loaded for an app's service (its unit file and drop-ins, the rootfs mounts as
 * systemd parsed them), the exposure of exactly that, the health record and history from the
 * state DB, the labels of the current version, and its last log lines.
 */
export async function debugService(paths: NisoPaths, app: string, logLines: number): Promise<DebugReport> {
  const record = await serviceRecord(paths, app)
  const version = record?.currentVersion ?? record?.previousVersion
  if (!record || !version) {
    throw new NisoError('E_NOT_ACTIVE', `${app} was never activated here`, {hint: `niso activate ${app}`})
  }
  const plan = await readPlan(paths, app, version)
  const props = await show(plan.unitName, PROPS)
  if (!props.FragmentPath) {
    throw new NisoError('E_NOT_LOADED', `systemd has no unit file for ${plan.unitName} (${app} is deactivated)`)
  }
  const unitText = await fs.readFile(props.FragmentPath, 'utf8')
  const dropIns: DropIn[] = []
  for (const file of props.DropInPaths.split(/\s+/).filter((p) => p !== '')) {
    dropIns.push({path: file, text: await fs.readFile(file, 'utf8')})
  }
  // Drop-ins read after the unit, in order, as systemd applies them: the score is of what runs.
  const effectiveText = [unitText, ...dropIns.map((d) => d.text)].join('\n')
  const [exposure, state, logs] = await Promise.all([
    unitExposure(effectiveText, plan.unitName, plan.exposureBudget),
    readState(paths, (db) => ({
      health: getHealth(db, app),
      events: listEvents(db, app).filter((e) => HISTORY.has(e.kind)),
    })),
    lastLines(plan.unitName, logLines),
  ])
  return {
    app,
    version,
    unit: plan.unitName,
    state: `${props.ActiveState} (${props.SubState})`,
    mainPid: Number(props.MainPID) || 0,
    unitPath: props.FragmentPath,
    unitText,
    dropIns,
    rootDirectory: props.RootDirectory,
    mounts: parseUnitMounts(props),
    exposure,
    health: {
      status: state.health?.status ?? (plan.health ? 'not checked yet' : 'no [healthcheck]'),
      failures: state.health?.failures ?? 0,
      lastCheck: state.health?.lastCheck ?? null,
      lastDetail: state.health?.lastDetail ?? null,
      events: state.events.map((e) => ({at: e.at, kind: e.kind, version: e.version, detail: e.detail})),
    },
    labels: plan.labels,
    logs,
  }
}
