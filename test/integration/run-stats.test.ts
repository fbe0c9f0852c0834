import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compileC, packApp} from '../helpers/apps.ts'
import {NISO_BIN} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const manifest = (version: string, args: readonly string[]) => `
[package]
name = "it-oneoff"
version = "${version}"

[binary]
entrypoint = "oneoff"
args = ${JSON.stringify(args)}

[environment]
GREETING = "from-manifest"
`

/** Hardening that must be the same for `niso run` as for the activated service. */
const ISOLATION = [
  'DynamicUser',
  'ProtectSystem',
  'ProtectHome',
  'PrivateTmp',
  'PrivateDevices',
  'NoNewPrivileges',
  'CapabilityBoundingSet',
  'RestrictAddressFamilies',
  'SystemCallFilter',
  'MemoryDenyWriteExecute',
  'ProtectKernelTunables',
  'ProtectControlGroups',
  'RestrictNamespaces',
  'LockPersonality',
  'PrivateUsers',
  'MountAPIVFS',
  'WorkingDirectory',
]

describe('niso run and niso stats on a real systemd', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-run')
  let pkg = ''
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
  const show = async (unit: string, props: readonly string[]) =>
    (await m.exec(['systemctl', 'show', `--property=${props.join(',')}`, unit])).stdout
  /** Nothing of any run remains: no scratch directory, no niso-run unit (cleanups included). */
  const assertNothingLeft = async () => {
    let left = ''
    for (let i = 0; i < 40; i++) {
      const dirs = (await m.exec(['sh', '-c', 'ls -A /opt/niso/run 2>/dev/null'])).stdout.trim()
      const units = (
        await m.exec(['systemctl', 'list-units', '--all', '--no-legend', '--plain', 'niso-run*'])
      ).stdout.trim()
      left = [dirs, units].filter(Boolean).join('\n')
      if (left === '') return
      await sleep(100)
    }
    assert.equal(left, '', 'a run left something behind')
  }

  it('packs a one-off command (v1) and a long-running version (v2), installs v2 and activates it', async () => {
    const bin = compileC('test/fixtures/apps/oneoff.c', m.shareDir, 'oneoff')
    pkg = packApp(m.shareDir, manifest('1.0.0', ['say:default', 'whoami']), bin)
    const v2 = packApp(m.shareDir, manifest('2.0.0', ['sleep:3600']), bin)
    assert.equal((await m.niso(['install', v2])).code, 0)
    const r = await m.niso(['activate', 'it-oneoff', '2.0.0'])
    assert.equal(r.code, 0, r.stderr)
  })

  it('runs a .niso file once: manifest args, stdout, a dynamic user in /app; nothing installed or left', async () => {
    const r = await m.niso(['run', pkg])
    assert.equal(r.code, 0, r.stderr)
    const [first, second] = r.stdout.split('\n')
    assert.equal(first, 'default')
    const uid = Number(/^uid=(\d+) gid=\d+ cwd=\/app greeting=from-manifest$/.exec(second ?? '')?.[1])
    assert.ok(uid >= 61184 && uid <= 65519, `not a dynamic user: ${second}`)
    const listed = await m.niso(['list', '--json'])
    assert.doesNotMatch(listed.stdout, /"1\.0\.0"/, 'the run installed its package')
    await assertNothingLeft()
  })

  it('passes ARGS (words after --, "$" and "%" literal), --env, stdin and the exit code through', async () => {
    const r = await m.niso(
      ['run', pkg, '--env', 'GREETING=from-flag', '--', 'args', 'say:$HOME 100%', 'whoami', 'cat', 'exit:7'],
      {
        input: 'line from stdin\n',
      },
    )
    assert.equal(r.code, 7, r.stderr)
    assert.equal(
      r.stdout.replace(/uid=\d+ gid=\d+/, 'uid=U gid=G'),
      'argc=6 [args] [say:$HOME 100%] [whoami] [cat] [exit:7]\n$HOME 100%\nuid=U gid=G cwd=/app greeting=from-flag\nline from stdin\n',
    )
    await assertNothingLeft()
  })

  it('runs an installed NAME VERSION detached with the same isolation as its activated service', async () => {
    const d = await m.niso(['run', 'it-oneoff', '2.0.0', '-d', '--name', 'iso'])
    assert.equal(d.code, 0, d.stderr)
    assert.equal(d.stdout, 'niso-run-iso.service\n')
    const run = await show('niso-run-iso.service', [...ISOLATION, 'ActiveState', 'RootDirectory', 'MainPID'])
    const svc = await show('niso-it-oneoff.service', [...ISOLATION, 'ActiveState', 'RootDirectory'])
    const pick = (text: string) => text.split('\n').filter((l) => ISOLATION.some((p) => l.startsWith(`${p}=`)))
    assert.equal(pick(svc).length, ISOLATION.length, svc)
    assert.deepEqual(pick(run), pick(svc))
    assert.match(run, /^ActiveState=active$/m)
    assert.match(run, /^DynamicUser=yes$/m)
    assert.match(run, /^RootDirectory=\/opt\/niso\/run\/[0-9a-f]{8}\/root$/m)
    assert.match(svc, /^RootDirectory=\/opt\/niso\/rootfs\/it-oneoff\/2\.0\.0\/root$/m)
    const pid = Number(/^MainPID=(\d+)$/m.exec(run)?.[1])
    for (const p of ['/etc/shadow', '/home/.', '/opt/niso', '/root']) {
      const seen = await m.exec(['sh', '-c', `ls -A /proc/${pid}/root${p} 2>/dev/null | head -1`])
      assert.equal(seen.stdout.trim(), '', `${p} is visible inside the run`)
    }
    assert.equal((await m.exec(['systemctl', 'stop', 'niso-run-iso.service'])).code, 0)
    await assertNothingLeft()
  })

  it('SIGINT to niso run stops the unit, exits 130 and leaves nothing behind', async () => {
    const script = [
      `${NISO_BIN} run ${pkg} --name sigint -- sleep:60 2>/dev/null & p=$!`,
      'for i in $(seq 100); do systemctl is-active -q niso-run-sigint.service && break; sleep 0.1; done',
      'systemctl is-active niso-run-sigint.service',
      'kill -INT $p; wait $p; echo "rc=$?"',
    ].join('\n')
    const r = await m.exec(['sh', '-c', script])
    assert.equal(r.stdout, 'active\nrc=130\n', r.stderr)
    await assertNothingLeft()
  })

  it('stats: CPU of a spinning run, memory of a hog, --json shape, top alias, plain refreshes when piped', async () => {
    for (const [name, args] of [
      ['spin', ['spin:0']],
      ['hog', ['hog:64', 'sleep:600']],
    ] as const) {
      const r = await m.niso(['run', pkg, '-d', '--name', name, '--', ...args])
      assert.equal(r.code, 0, r.stderr)
    }
    try {
      await sleep(500)
      const j = await m.niso(['stats', 'run-spin', 'run-hog', 'it-oneoff', '--json', '--interval', '1s'])
      assert.equal(j.code, 0, j.stderr)
      const rows = JSON.parse(j.stdout) as Record<string, unknown>[]
      assert.deepEqual(
        rows.map((r) => Object.keys(r).sort()),
        rows.map(() =>
          [
            'cpuPercent',
            'ioReadBytes',
            'ioReadBytesPerSec',
            'ioWriteBytes',
            'ioWriteBytesPerSec',
            'memoryBytes',
            'memoryMaxBytes',
            'memoryPercent',
            'name',
            'tasks',
            'unit',
          ].sort(),
        ),
      )
      const by = new Map(rows.map((r) => [r.name, r]))
      const spin = by.get('run-spin') ?? {}
      const hog = by.get('run-hog') ?? {}
      const idle = by.get('it-oneoff') ?? {}
      // Two shared cores under a parallel test suite: the spinner gets a share, the sleeper none.
      assert.ok(Number(spin.cpuPercent) > 10, `spinning run at ${String(spin.cpuPercent)}% CPU`)
      assert.ok(Number(idle.cpuPercent) < 2, `sleeping service at ${String(idle.cpuPercent)}% CPU`)
      const mib = Number(hog.memoryBytes) / 2 ** 20
      assert.ok(mib >= 64 && mib < 72, `hog of 64 MiB uses ${mib.toFixed(1)} MiB`)
      assert.deepEqual([spin.tasks, hog.tasks, spin.unit], [1, 1, 'niso-run-spin.service'])

      // Every running service when no NAME is given; plain tables one after another when piped.
      const piped = await m.exec(['sh', '-c', `timeout 6 ${NISO_BIN} top --interval 500ms | cat`])
      const frames = piped.stdout.split('\n').filter((l) => l.startsWith('NAME'))
      assert.ok(frames.length >= 2, `expected several refreshes:\n${piped.stdout}`)
      assert.doesNotMatch(piped.stdout, /\u001b/)
      assert.match(piped.stdout, /^it-oneoff +\d+\.\d% /m)
      assert.match(piped.stdout, /^run-spin +\d+\.\d% /m)

      const once = await m.niso(['stats', 'run-hog', '--no-stream', '--interval', '200ms'])
      assert.match(
        once.stdout,
        /^NAME +CPU % +MEM \/ LIMIT +MEM % +TASKS +IO READ \/ WRITE\nrun-hog +\d+\.\d% +6\d\.\d MB \/ no limit +- +1 /,
      )
      const missing = await m.niso(['stats', 'nope'])
      assert.equal(missing.code, 1)
      assert.equal(missing.stderr, 'niso: niso-nope.service is not running (inactive)\n')
    } finally {
      await m.exec(['systemctl', 'stop', 'niso-run-spin.service', 'niso-run-hog.service'])
    }
    await assertNothingLeft()
  })
})
