import {spawn} from 'node:child_process'
import {constants} from 'node:os'

import {serviceLayout} from '../../core/activation/layout.js'
import {NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {nsenterArgv} from '../../core/services/process-identity.js'
import {forwardSignals} from './forward-signals.js'
import {mainProcess, otherNamespace, processEnv, processIds} from './main-process.js'
import {systemdReachable} from './unit-statuses.js'

/**
 * `niso exec`: runs a command inside a running service, like `docker exec`: nsenter into its main
 * process's mount, UTS, IPC, network and PID namespaces, its rootfs and working directory, as its
 * uid and gid, with the environment the unit gave it (plus the caller's TERM). Standard I/O and
 * the exit code pass through; a signal death exits 128 + the signal number.
 */
export async function execInService(paths: NisoPaths, app: string, command: readonly string[]): Promise<number> {
  if (command.length === 0) throw new NisoError('E_USAGE', 'nothing to run: niso exec NAME -- COMMAND [ARGS…]')
  const unit = serviceLayout(paths, app).unitName
  if (!systemdReachable()) throw new NisoError('E_NO_SYSTEMD', `${app}: no systemd runs here, so no service does`)
  const main = await mainProcess(unit)
  if (main.activeState !== 'active' || !(main.pid > 0)) {
    throw new NisoError('E_NOT_RUNNING', `${app} is not running (${unit} is ${main.activeState})`)
  }
  const [ids, env, pidNamespace] = await Promise.all([
    processIds(main.pid),
    processEnv(main.pid),
    otherNamespace(main.pid, 'pid'),
  ])
  if (process.env.TERM) env.TERM = process.env.TERM
  const [cmd = 'nsenter', ...args] = nsenterArgv(main.pid, ids, command, {pidNamespace})
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: 'inherit', env})
    const signals = forwardSignals(child)
    child.on('error', (error) => {
      signals.stop()
      reject(new NisoError('E_EXEC', `nsenter: ${error.message}`))
    })
    child.on('exit', (code, signal) => {
      signals.stop()
      resolve(code ?? 128 + ((signal && constants.signals[signal]) || 1))
    })
  })
}
