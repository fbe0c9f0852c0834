/**
 * The start gate of a niso service: its unit's `ExecStartPost=` runs this inside the service's
 * own mount and network namespaces, so the start job completes only when the first probe passes
 * ("start means healthy"). Self-contained on purpose (node built-ins only): it is bound read-only
 * into the service's rootfs together with the node binary that runs it.
 *
 * usage: wait-healthy.js BUDGET_MS,POLL_MS,TIMEOUT_MS  http URL | tcp HOST PORT | exec CMD [ARGS…]
 *
 * systemd lets ExecStartPost= run to its end even when the main process has already exited, so
 * the gate stops waiting as soon as $MAINPID (set by systemd for control processes) is gone.
 */
import {spawn} from 'node:child_process'
import http from 'node:http'
import net from 'node:net'

const [gate = '', kind, ...rest] = process.argv.slice(2)
const [budgetMs = 30_000, pollMs = 500, timeoutMs = 5000] = gate.split(',').map(Number)
const FIRST_GAP_MS = 25

function once(): Promise<string | undefined> {
  return new Promise((resolve) => {
    if (kind === 'http') {
      const req = http.get(rest[0] ?? '', {timeout: timeoutMs}, (res) => {
        res.resume()
        const code = res.statusCode ?? 0
        resolve(code >= 200 && code < 400 ? undefined : `HTTP ${code}`)
      })
      req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)))
      req.on('error', (e) => resolve(e.message))
    } else if (kind === 'tcp') {
      const socket = net.connect({host: rest[0], port: Number(rest[1]), timeout: timeoutMs}, () => {
        socket.end()
        resolve(undefined)
      })
      socket.on('timeout', () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)))
      socket.on('error', (e) => resolve(e.message))
    } else if (kind === 'exec') {
      const [cmd = '', ...args] = rest
      const child = spawn(cmd, args, {stdio: 'ignore', timeout: timeoutMs})
      child.on('error', (e) => resolve(e.message))
      child.on('exit', (code) => resolve(code === 0 ? undefined : `exit ${code}`))
    } else {
      resolve(`unknown probe kind ${kind}`)
    }
  })
}

// systemd sets MAINPID for the control processes of a Type=exec service while its main process
// runs: unset, the main process exited before this gate (or a step before it) was started.
const mainPid = Number(process.env.MAINPID || 0)
function mainExited(): boolean {
  if (!(mainPid > 0)) return true
  try {
    process.kill(mainPid, 0)
    return false
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

// Most services listen within milliseconds of starting: the gap between probes starts at 25 ms
// and doubles up to POLL_MS, so a fast start is seen at once and a slow one is not probed busily.
const started = Date.now()
const deadline = started + budgetMs
let gap = Math.min(FIRST_GAP_MS, pollMs)
let last: string | undefined
while ((last = await once()) !== undefined && Date.now() + gap <= deadline && !mainExited()) {
  await new Promise((r) => setTimeout(r, gap))
  gap = Math.min(gap * 2, pollMs)
}
if (last === undefined) process.exit(0)
const why = !mainExited()
  ? `not healthy after ${Math.round(budgetMs / 1000)}s`
  : mainPid > 0
    ? `main process ${mainPid} exited after ${((Date.now() - started) / 1000).toFixed(1)}s, never healthy`
    : 'main process exited before the start gate ran, never healthy'
process.stderr.write(`niso: ${why}: ${kind} ${rest.join(' ')}: ${last}\n`)
process.exit(1)
