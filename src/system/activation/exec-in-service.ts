import {spawn} from 'node:child_process'
import {promises as fs} from 'node:fs'

import {serviceLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {show} from '../systemd/systemctl.js'

/**
 * Runs `command` inside a running service: nsenter into its main process's mount, UTS, IPC,
 * network and PID namespaces and its root and working directory, as its uid and gid. Standard I/O
 * and the exit code pass through.
 */
export async function execInService(paths: NisoPaths, app: string, command: readonly string[]): Promise<number> {
  if (command.length === 0) throw new NisoError('E_USAGE', 'nothing to run: niso exec NAME -- COMMAND [ARGS…]')
  const unit = serviceLayout(paths, app).unitName
  const p = await show(unit, ['MainPID', 'ActiveState']).catch(() => ({MainPID: '0', ActiveState: 'unknown'}))
  const pid = Number(p.MainPID)
  if (!(pid > 0)) throw new NisoError('E_NOT_RUNNING', `${app} is not running (${unit} is ${p.ActiveState})`)
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8')
  const uid = /^Uid:\s+(\d+)/m.exec(status)?.[1] ?? '0'
  const gid = /^Gid:\s+(\d+)/m.exec(status)?.[1] ?? '0'
  const argv = [
    `--target=${pid}`,
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    '--pid',
    '--root',
    '--wd',
    `--setuid=${uid}`,
    `--setgid=${gid}`,
    '--',
    ...command,
  ]
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', argv, {stdio: 'inherit'})
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}
