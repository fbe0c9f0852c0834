import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

import type {Probe} from '../../core/health/probe-spec.js'
import {nsenterArgv} from '../../core/services/process-identity.js'
import {type ProbeResult, runProbe} from '../health/run-probe.js'
import {run} from '../systemd/run.js'
import {otherNamespace, procAvailable, processIds} from './main-process.js'

/** uid/gid for exec probes where the service's identity cannot be read (no /proc): nobody. */
const NOBODY = {uid: 65534, gid: 65534}

/**
 * Probes a running service from where it lives. Exec probes run inside its rootfs and namespaces
 * as its user (nsenter into the main process), never as root in the host's view. HTTP and TCP
 * probes run in its network namespace when it has its own.
 *
 * Without /proc (inside the service's rootfs, as an `ExecStartPost=+` gate runs) the process is
 * already in the service's mount and network namespaces: exec probes then run as nobody.
 */
export async function probeService(probe: Probe, timeoutMs: number, pid: number): Promise<ProbeResult> {
  if (!procAvailable()) {
    return probe.kind === 'exec' ? execAsNobody(probe.command, timeoutMs) : runProbe(probe, timeoutMs)
  }
  if (!(pid > 0)) return {ok: false, detail: 'no main process', ms: 0}
  try {
    if (probe.kind === 'exec') {
      const pidNamespace = await otherNamespace(pid, 'pid')
      return await runProbe(probe, timeoutMs, nsenterArgv(pid, await processIds(pid), [], {pidNamespace}))
    }
    if (await otherNamespace(pid, 'net')) return await probeInNetns(probe, timeoutMs, pid)
  } catch (error) {
    return {ok: false, detail: `cannot join process ${pid}: ${(error as Error).message}`, ms: 0}
  }
  return runProbe(probe, timeoutMs)
}

async function probeInNetns(probe: Probe, timeoutMs: number, pid: number): Promise<ProbeResult> {
  const script = fileURLToPath(new URL('probe-once.js', import.meta.url))
  const t0 = performance.now()
  const r = await run(
    'nsenter',
    [`--target=${pid}`, '--net', '--', process.execPath, script, JSON.stringify({probe, timeoutMs})],
    {timeoutMs: timeoutMs + 5000},
  )
  try {
    return JSON.parse(r.stdout) as ProbeResult
  } catch {
    const why = r.stderr.trim().split('\n')[0] || `exit ${r.code}`
    return {
      ok: false,
      detail: `probe in the service's network namespace failed: ${why}`,
      ms: Math.round(performance.now() - t0),
    }
  }
}

function execAsNobody(argv: readonly string[], timeoutMs: number): Promise<ProbeResult> {
  const t0 = performance.now()
  const done = (ok: boolean, detail: string): ProbeResult => ({ok, detail, ms: Math.round(performance.now() - t0)})
  return new Promise((resolve) => {
    const [cmd, ...args] = argv
    if (!cmd) return resolve(done(false, 'empty exec probe'))
    const child = spawn(cmd, args, {stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL', ...NOBODY})
    child.on('error', (error) => resolve(done(false, error.message)))
    child.on('exit', (code, signal) => resolve(done(code === 0, signal ? `killed by ${signal}` : `exit ${code}`)))
  })
}
