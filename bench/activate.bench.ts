import fs from 'node:fs'
import path from 'node:path'

import {versionLayout, serviceLayout} from '../dist/core/activation/layout.js'
import {DEFAULT_NETWORK, FIREWALL_UNIT, bridgeUnitName, netLayout, netnsUnitName} from '../dist/core/net/names.js'
import {nisoPaths} from '../dist/core/paths.js'
import {compileC, helloCManifest, packApp} from '../test/helpers/apps.ts'
import {bootTestMachine, machineSkipReason} from '../test/helpers/machine.ts'
import {NISO} from './fixtures.ts'
import {check, printGroup, runGroup} from './lib.ts'

/**
 * niso activate of a small compiled app, to running and healthy, against writing the same unit
 * file by hand + daemon-reload + systemctl start (the same rootfs, sandbox, health gate and network
 * companion units, so the difference is niso's own work: CLI start-up, planning, rootfs assembly,
 * network state, links and state), with
 * systemd-run of the same binary as the floor and niso rollback's wall time. Everything runs and
 * is timed inside a `niso machine` (a real systemd), in interleaved rounds.
 */
const ROUNDS = Number(process.env.NISO_BENCH_ROUNDS ?? 7)
const APP = 'bench-act'
const ROOT = nisoPaths('/')
const NET_DIR = netLayout(ROOT).dir
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

const skip = machineSkipReason()
if (skip) {
  console.log(`\n## activation\nSKIP activation bench: ${skip}`)
} else {
  const m = await bootTestMachine('bench-activate')
  try {
    if (!(await activationBench(m))) process.exitCode = 1
  } finally {
    await m.stop()
  }
}

async function activationBench(m: Awaited<ReturnType<typeof bootTestMachine>>): Promise<boolean> {
  const must = async (args: string[]) => {
    const r = await m.exec(args)
    if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`)
    return r.stdout
  }
  const bin = compileC('examples/hello-c/server.c', m.shareDir, 'hello-c')
  for (const version of ['1.0.0', '2.0.0'])
    await must([NISO, 'install', packApp(m.shareDir, helloCManifest(APP, version), bin)])
  // The unit niso writes for 1.0.0, copied as the hand-written one (same rootfs, same gate), with
  // the networking niso sets up for it (bridge, namespace and firewall units, ruleset, policy and
  // hosts files): the hand-written unit joins the same namespace, so it needs the same companions.
  await must([NISO, 'activate', APP, '1.0.0'])
  const handUnit = path.join(m.shareDir, 'bench-hand.service')
  fs.writeFileSync(handUnit, await must(['cat', versionLayout(serviceLayout(ROOT, APP), '1.0.0').unitFile]))
  const handNet = path.join(m.shareDir, 'bench-hand-net.tar')
  const companions = [FIREWALL_UNIT, bridgeUnitName(DEFAULT_NETWORK), netnsUnitName(APP)]
  await must(['tar', '-C', '/', '-cf', handNet, NET_DIR.slice(1), ...companions.map((u) => `etc/systemd/system/${u}`)])

  const via = [NISO, 'machine', 'exec', '--name', m.name, '--']
  // Every round starts with no service and no networking running (the hand-written round leaves
  // companion units niso's state does not know of, so they are removed here too).
  const reset = [
    `${q(NISO)} deactivate ${APP}`,
    `systemctl stop bench-hand.service bench-floor.service ${companions.join(' ')}`,
    `rm -rf /etc/systemd/system/bench-hand.service ${companions.map((u) => `/etc/systemd/system/${u}`).join(' ')} ${NET_DIR}`,
    'systemctl daemon-reload',
    'systemctl reset-failed',
  ].join('; ')
  const start = runGroup(
    [
      {
        name: 'unit by hand + daemon-reload + start (baseline)',
        before: reset,
        command: `tar -C / -xf ${q(handNet)} && cp ${q(handUnit)} /etc/systemd/system/bench-hand.service && systemctl daemon-reload && systemctl start bench-hand.service`,
      },
      {name: 'niso activate', before: reset, command: `${q(NISO)} activate ${APP} 1.0.0`},
      {
        name: 'systemd-run of the binary (floor)',
        before: reset,
        command: `systemd-run --quiet --collect --unit=bench-floor -p Environment=PORT=8081 ${q(bin)}`,
      },
    ],
    ROUNDS,
    process.env,
    via,
  )
  printGroup('activate a compiled app to running+healthy vs a hand-written unit (in a niso machine)', start)

  // Rollback swaps current and previous each round: 1.0.0 ⇄ 2.0.0, a restart with health gate.
  await must(['sh', '-c', `${reset}; ${q(NISO)} activate ${APP} 1.0.0 && ${q(NISO)} activate ${APP} 2.0.0`])
  const rollback = runGroup([{name: 'niso rollback', command: `${q(NISO)} rollback ${APP}`}], ROUNDS, process.env, via)
  printGroup('rollback (1.0.0 ⇄ 2.0.0)', rollback)
  await must(['sh', '-c', reset])
  return check('activate time ratio vs unit by hand + daemon-reload + start', start[1]?.ratio ?? Infinity, 1.5, 'x')
}
