import {spawn} from 'node:child_process'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'

import type {Probe} from '../../core/health/probe-spec.js'

export interface ProbeResult {
  readonly ok: boolean
  /** One line: status code, error, or exit code. */
  readonly detail: string
  readonly ms: number
}

/**
 * Runs one probe against a service. HTTP passes on 200–399, TCP on an accepted connection, exec
 * on exit 0. `execPrefix` wraps exec probes so they run inside the service's namespaces as its
 * user (nsenter into the main PID), never as host root in the host's view.
 */
export async function runProbe(
  probe: Probe,
  timeoutMs: number,
  execPrefix: readonly string[] = [],
): Promise<ProbeResult> {
  const t0 = performance.now()
  const done = (ok: boolean, detail: string): ProbeResult => ({ok, detail, ms: Math.round(performance.now() - t0)})
  try {
    switch (probe.kind) {
      case 'http': {
        const status = await httpStatus(probe.url, timeoutMs)
        return done(status >= 200 && status < 400, `HTTP ${status}`)
      }
      case 'tcp':
        await tcpConnect(probe.host, probe.port, timeoutMs)
        return done(true, 'connected')
      case 'exec': {
        const code = await execCode([...execPrefix, ...probe.command], timeoutMs)
        return done(code === 0, `exit ${code}`)
      }
    }
  } catch (error) {
    return done(false, error instanceof Error ? error.message : String(error))
  }
}

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http
    const req = client.get(url, {timeout: timeoutMs, headers: {'user-agent': 'niso-health'}}, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs} ms`)))
    req.on('error', reject)
  })
}

function tcpConnect(host: string, port: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({host, port, timeout: timeoutMs}, () => {
      socket.end()
      resolve()
    })
    socket.on('timeout', () => socket.destroy(new Error(`timed out after ${timeoutMs} ms`)))
    socket.on('error', reject)
  })
}

function execCode(argv: readonly string[], timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const [cmd, ...args] = argv
    if (!cmd) return reject(new Error('empty exec probe'))
    const child = spawn(cmd, args, {stdio: 'ignore', timeout: timeoutMs, killSignal: 'SIGKILL'})
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  })
}
