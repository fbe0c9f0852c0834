import {execFile} from 'node:child_process'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {NisoError, messageOf} from '../core/errors.js'
import {type Exposure, type SecurityReport, exposureOf, parseSecurityReport} from '../core/unit/exposure.js'

/**
 * The `systemd-analyze security` exposure of a unit's text, computed offline (no running systemd
 * needed): the unit is written to a private temp directory, analysed, and removed.
 */
export async function exposureScore(unitText: string, unitName = 'niso-score.service'): Promise<SecurityReport> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'niso-score-'))
  try {
    const file = path.join(dir, unitName)
    await writeFile(file, unitText, {mode: 0o600})
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        'systemd-analyze',
        ['security', '--offline=true', '--no-pager', file],
        {encoding: 'utf8', env: {...process.env, SYSTEMD_COLORS: '0', LC_ALL: 'C.UTF-8'}},
        (error, out, err) => (error ? reject(new Error(err.trim() || error.message)) : resolve(out)),
      )
    })
    return parseSecurityReport(stdout)
  } catch (error) {
    throw new NisoError('E_EXPOSURE', `cannot score ${unitName} with systemd-analyze: ${messageOf(error)}`)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}

/** The exposure of a unit's text and its effective score, which credits niso's own network namespace. */
export async function unitExposure(unitText: string, unitName: string, budget?: number): Promise<Exposure> {
  return exposureOf(await exposureScore(unitText, unitName), unitText, budget)
}
