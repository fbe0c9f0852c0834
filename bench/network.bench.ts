import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {nisoPaths} from '../dist/core/paths.js'
import {execCapture} from '../dist/system/machine/exec.js'
import {runningMachine, startMachine, stopMachine} from '../dist/system/machine/machine.js'
import {NISO, REPO} from './fixtures.ts'
import {median} from './lib.ts'

/**
 * Throughput through a mapped port (127.0.0.1:18080 → DNAT → the service) against the same
 * server reached directly on its address inside the network (10.99.0.2:8080), in a niso machine
 * with real nftables. Interleaved rounds, each path first in every other one; the figure is the
 * median of per-round throughput ratios (mapped / direct), target ≥ 0.9.
 */
const ROUNDS = Number(process.env.NISO_BENCH_ROUNDS ?? 7)
const REQUESTS = Number(process.env.NISO_BENCH_NET_REQUESTS ?? 3000)
const CONCURRENCY = 8
// Disjoint client ports for the two loads, below the kernel's ephemeral range (see net-load.ts).
const DIRECT_PORTS = '20000-25999'
const MAPPED_PORTS = '26000-31999'
const ROOT = nisoPaths('/')
const name = `bench-net-${process.pid}`
const share = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-bench-net-'))

const exec = async (args: string[]) => {
  const [cmd, ...rest] = args as [string, ...string[]]
  const r = await execCapture(runningMachine(ROOT, name), cmd, rest, {timeoutMs: 300_000})
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`)
  return r.stdout
}

await startMachine(ROOT, {name, binds: [{source: share, target: share, readOnly: false}]})
try {
  execFileSync('gcc', ['-O2', '-o', path.join(share, 'hello-c'), path.join(REPO, 'examples/hello-c/server.c')])
  const src = path.join(share, 'src')
  fs.mkdirSync(src)
  fs.writeFileSync(
    path.join(src, 'manifest.toml'),
    '[package]\nname = "bench-net"\nversion = "1.0.0"\n[binary]\nentrypoint = "hello-c"\n' +
      '[environment]\nPORT = "8080"\n[network]\nports = ["18080:8080"]\n',
  )
  execFileSync(NISO, ['pack', '--binary', path.join(share, 'hello-c'), '--output', share], {cwd: src, stdio: 'ignore'})
  await exec([NISO, 'install', path.join(share, 'bench-net-1.0.0-x86_64.niso')])
  await exec([NISO, 'activate', 'bench-net'])
  const address = (
    JSON.parse(await exec([NISO, 'net', 'inspect', 'niso-default', '--json'])) as {
      services: {name: string; ip: string}[]
    }
  ).services.find((s) => s.name === 'bench-net')?.ip
  // SYNs the clients had to send again (a refused or lost SYN costs 1 s): 0 on a fair run.
  const synRetransmits = async () => {
    const [names = [], values = []] = (await exec(['cat', '/proc/net/netstat']))
      .split('\n')
      .filter((l) => l.startsWith('TcpExt:'))
      .map((l) => l.split(/\s+/))
    return Number(values[names.indexOf('TCPSynRetrans')])
  }
  const retransmits = {direct: 0, mapped: 0}
  const load = async (url: string, ports: string, route: keyof typeof retransmits = 'direct') => {
    const before = await synRetransmits()
    const r = JSON.parse(
      await exec([
        process.execPath,
        path.join(REPO, 'bench/net-load.ts'),
        url,
        String(REQUESTS),
        String(CONCURRENCY),
        ports,
      ]),
    ) as {ms: number; ok: number}
    if (r.ok !== REQUESTS) throw new Error(`${url}: ${r.ok}/${REQUESTS} requests succeeded`)
    retransmits[route] += (await synRetransmits()) - before
    return REQUESTS / (r.ms / 1000)
  }
  await load(`http://${address}:8080/`, DIRECT_PORTS) // warm up
  const direct: number[] = []
  const mapped: number[] = []
  const loadDirect = async () => direct.push(await load(`http://${address}:8080/`, DIRECT_PORTS))
  const loadMapped = async () => mapped.push(await load('http://127.0.0.1:18080/', MAPPED_PORTS, 'mapped'))
  for (let r = 0; r < ROUNDS; r++) {
    // Each goes first in every other round, so neither always runs on the warmer machine.
    if (r % 2) await loadMapped().then(loadDirect)
    else await loadDirect().then(loadMapped)
  }
  const ratio = median(mapped.map((m, i) => m / (direct[i] ?? m)))
  console.log(`\n## network: ${REQUESTS} HTTP GETs (new connection each, ${CONCURRENCY} in flight), ${ROUNDS} rounds`)
  console.log(`${`direct to the service (${address}:8080)`.padEnd(48)} ${median(direct).toFixed(0).padStart(7)} req/s`)
  console.log(`${'mapped port (127.0.0.1:18080, DNAT)'.padEnd(48)} ${median(mapped).toFixed(0).padStart(7)} req/s`)
  console.log(`SYN retransmissions: direct ${retransmits.direct}, mapped ${retransmits.mapped}`)
  const pass = ratio >= 0.9
  console.log(`${pass ? 'PASS' : 'FAIL'} mapped/direct throughput: ${ratio.toFixed(2)} (target ≥ 0.9)`)
  if (!pass) process.exitCode = 1
  await exec([NISO, 'deactivate', 'bench-net'])
} finally {
  await stopMachine(ROOT, {name, kill: true})
  fs.rmSync(share, {recursive: true, force: true})
}
