import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compileC, helloCManifest, packApp} from '../helpers/apps.ts'
import {lifecycle} from '../helpers/lifecycle.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const manifest = (version: string, health?: string) =>
  helloCManifest('it-hello', version, health, '[labels]\nteam = "core"\n')

describe('activation of a compiled app on a real systemd', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-activate')
  const lc = lifecycle(m, {
    name: 'it-hello',
    port: 8081,
    versionOf: (body) => /^hello-c (\S+) /.exec(body)?.[1] ?? body,
  })
  let pkgs: Record<string, string> = {}

  it('packs and installs three versions, one of them never healthy', async () => {
    // Given a compiled HTTP server and three manifests
    const bin = compileC('examples/hello-c/server.c', m.shareDir, 'hello-c')
    pkgs = {
      v1: packApp(m.shareDir, manifest('1.0.0'), bin),
      v2: packApp(m.shareDir, manifest('2.0.0'), bin),
      bad: packApp(m.shareDir, manifest('3.0.0', 'http://127.0.0.1:8099/health'), bin),
    }
    // When each is installed inside the machine
    for (const file of Object.values(pkgs)) {
      const r = await m.niso(['install', file])
      assert.equal(r.code, 0, r.stderr)
    }
  })

  it('--dry-run prints the unit and changes nothing', async () => {
    const r = await m.niso(['activate', 'it-hello', '1.0.0', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^RootDirectory=\/opt\/niso\/rootfs\/it-hello\/1\.0\.0\/root$/m)
    assert.match(r.stdout, /^DynamicUser=yes$/m)
    assert.match(r.stdout, /would \(re\)start niso-it-hello\.service/)
    // The exposure systemd-analyze gives the unit, within the server preset's budget; the service
    // joins niso-default in its own namespace, so the effective score credits PrivateNetwork=.
    const exposure =
      /^exposure: (\d+\.\d) (\S+) \(preset budget 1\.0\); effective (\d+\.\d) \(credits PrivateNetwork= \(niso network namespace\)\)$/m.exec(
        r.stdout,
      )
    assert.ok(exposure, `no exposure line in:\n${r.stdout}`)
    assert.ok(Number(exposure[1]) <= 1, `exposure ${exposure[1]} over budget`)
    assert.ok(Number(exposure[3]) < Number(exposure[1]), `effective ${exposure[3]} credits nothing`)
    const json = await m.niso(['activate', 'it-hello', '1.0.0', '--dry-run', '--json'])
    assert.equal(json.code, 0, json.stderr)
    const plan = JSON.parse(json.stdout) as {exposure: {score: number; label: string; budget: number}}
    assert.deepEqual(
      [plan.exposure.score, plan.exposure.label, plan.exposure.budget],
      [Number(exposure[1]), exposure[2], 1],
    )
    const unit = await m.exec(['test', '-e', '/etc/systemd/system/niso-it-hello.service'])
    assert.notEqual(unit.code, 0, 'dry run wrote a unit file')
  })

  it('activates v1: healthy, reachable, confined to its rootfs as a dynamic user', async () => {
    await lc.activate('1.0.0')
    const uid = Number(/uid=(\d+)/.exec((await lc.get()).stdout)?.[1])
    assert.ok(uid >= 61184 && uid <= 65519, `not a dynamic uid: ${uid}`)
    // The process's root is the assembled rootfs: no host secrets, homes or niso state in it.
    const pid = await lc.mainPid()
    for (const p of ['/etc/shadow', '/home/.', '/opt/niso', '/root']) {
      const seen = await m.exec(['sh', '-c', `ls -A /proc/${pid}/root${p} 2>/dev/null | head -1`])
      assert.equal(seen.stdout.trim(), '', `${p} is visible inside the service`)
    }
    assert.equal((await m.exec(['systemctl', 'is-active', 'niso-it-hello-health.timer'])).stdout.trim(), 'active')
  })

  it('a second activate of the same version restarts nothing (same MainPID); --force restarts', async () => {
    await lc.activateAgainKeepsPid('1.0.0')
    const before = await lc.mainPid()
    const forced = await m.niso(['activate', 'it-hello', '1.0.0', '--force'])
    assert.equal(forced.code, 0, forced.stderr)
    assert.notEqual(await lc.mainPid(), before)
  })

  it('activates v2 in place of v1', async () => {
    await lc.activate('2.0.0')
  })

  it('a version that never becomes healthy is undone and v2 keeps serving', async () => {
    await lc.activateFailsAndUndoes('3.0.0', '2.0.0', /not healthy after \d+s: http http:\/\/127\.0\.0\.1:8099\/health/)
  })

  it('status shows live state, health and memory from systemd; logs come from journald', async () => {
    let st = {status: '', health: '', mainPid: 0, memoryBytes: 0 as number | null, version: ''}
    for (let i = 0; i < 20 && st.health !== 'healthy'; i++) {
      await new Promise((res) => setTimeout(res, 250))
      st = JSON.parse((await m.niso(['status', 'it-hello', '--json'])).stdout) as typeof st
    }
    assert.equal(st.version, '2.0.0')
    assert.equal(st.status, 'active (running)')
    assert.equal(st.health, 'healthy')
    assert.equal(st.mainPid, await lc.mainPid())
    const table = await m.niso(['status'])
    assert.match(table.stdout, /^NAME +VERSION +STATUS +HEALTH +UPTIME +MEMORY +PID$/m)
    assert.match(table.stdout, /^it-hello +2\.0\.0 +active \(running\) +healthy /m)
    const logs = await m.niso(['logs', 'it-hello', '-n', '200'])
    assert.equal(logs.code, 0)
    assert.match(logs.stdout, /hello-c listening on :8081/)
  })

  it('debug shows the live unit with its drop-ins, the mounts systemd sees, exposure, health, labels, logs', async () => {
    type Report = {
      version: string
      unitText: string
      dropIns: {path: string; text: string}[]
      rootDirectory: string
      mounts: {kind: string; source?: string; target: string; optional: boolean}[]
      exposure: {score: number; effective: number; budget: number}
      health: {status: string; events: {kind: string; version: string | null}[]}
      labels: Record<string, string>
      logs: string[]
    }
    const debug = async () => {
      const r = await m.niso(['debug', 'it-hello', '-n', '200', '--json'])
      assert.equal(r.code, 0, r.stderr)
      return JSON.parse(r.stdout) as Report
    }
    // The health timer records its first check of 2.0.0 shortly after activation.
    let before = await debug()
    for (let i = 0; i < 60 && before.health.status !== 'healthy'; i++) {
      await new Promise((r) => setTimeout(r, 250))
      before = await debug()
    }
    assert.equal(before.version, '2.0.0')
    assert.match(before.unitText, /^RootDirectory=\/opt\/niso\/rootfs\/it-hello\/2\.0\.0\/root$/m)
    assert.deepEqual(before.dropIns, [])
    assert.equal(before.rootDirectory, '/opt/niso/rootfs/it-hello/2.0.0/root')
    const app = before.mounts.find((x) => x.target === '/app')
    assert.deepEqual(app && [app.kind, app.source], ['bind-ro', '/opt/niso/packages/it-hello/2.0.0'])
    const resolv = before.mounts.find((x) => x.target === '/etc/resolv.conf')
    assert.equal(resolv?.optional, true)
    assert.ok(before.exposure.score <= before.exposure.budget, JSON.stringify(before.exposure))
    assert.equal(before.health.status, 'healthy')
    assert.deepEqual(
      before.health.events.filter((e) => e.kind === 'activate').map((e) => e.version),
      ['1.0.0', '1.0.0', '2.0.0'],
    )
    assert.deepEqual(before.labels, {team: 'core'})
    assert.ok(
      before.logs.some((l) => l.includes('hello-c listening on :8081')),
      before.logs.join('\n'),
    )

    // A local drop-in that loosens the unit: debug shows it and scores what systemd runs.
    const dir = '/etc/systemd/system/niso-it-hello.service.d'
    await m.exec(['mkdir', '-p', dir])
    await m.exec([
      'sh',
      '-c',
      `printf '[Service]\\nProtectHome=read-only\\nPrivateDevices=no\\n' > ${dir}/90-debug.conf`,
    ])
    await m.exec(['systemctl', 'daemon-reload'])
    try {
      const after = await debug()
      assert.deepEqual(after.dropIns, [
        {path: `${dir}/90-debug.conf`, text: '[Service]\nProtectHome=read-only\nPrivateDevices=no\n'},
      ])
      assert.ok(after.exposure.score > before.exposure.score, `${after.exposure.score} vs ${before.exposure.score}`)
      const text = await m.niso(['debug', 'it-hello'])
      assert.equal(text.code, 0, text.stderr)
      assert.match(text.stdout, /^it-hello 2\.0\.0: niso-it-hello\.service active \(running\) \(MainPID \d+\)$/m)
      assert.match(text.stdout, /^exposure: \d+\.\d \S+ \(preset budget 1\.0\); effective /m)
      assert.match(text.stdout, new RegExp(`^--- ${dir}/90-debug\\.conf$`, 'm'))
      assert.match(text.stdout, /^bind-ro {1}\/app <- \/opt\/niso\/packages\/it-hello\/2\.0\.0/m)
      assert.match(text.stdout, /^team=core$/m)
    } finally {
      await m.exec(['rm', '-rf', dir])
      await m.exec(['systemctl', 'daemon-reload'])
    }
    assert.equal((await m.niso(['debug', 'it-nothing'])).code, 1)
  })

  it('rolls back to v1 with a symlink swap and a restart, and back again', async () => {
    await lc.rollback('2.0.0', '1.0.0')
    await lc.rollback('1.0.0', '2.0.0')
  })

  it('deactivates: stopped, disabled, unit and timer gone, versions still installed', async () => {
    await lc.deactivate('2.0.0', ['1.0.0', '2.0.0', '3.0.0'])
    assert.equal((await m.niso(['rollback', 'it-hello'])).code, 1)
  })

  it('memory_max kills a memory hog', async () => {
    const hog = compileC('test/fixtures/apps/hog.c', m.shareDir, 'hog')
    const file = packApp(
      m.shareDir,
      `[package]\nname = "it-hog"\nversion = "1.0.0"\n[binary]\nentrypoint = "hog"\n[service]\nrestart = "no"\n[isolation.resources]\nmemory_max = "32M"\n`,
      hog,
    )
    assert.equal((await m.niso(['install', file])).code, 0)
    const r = await m.niso(['activate', 'it-hog'])
    assert.equal(r.code, 0, r.stderr)
    // On cgroup v2 systemd reports oom-kill; on a hybrid host's v1 memory controller, a SIGKILL.
    let state = {Result: '', ExecMainStatus: ''}
    for (let i = 0; i < 75 && state.Result === ''; i++) {
      await new Promise((res) => setTimeout(res, 200))
      const show = await m.exec(['systemctl', 'show', '-p', 'ActiveState,Result,ExecMainStatus', 'niso-it-hog.service'])
      const p = Object.fromEntries(
        show.stdout
          .trim()
          .split('\n')
          .map((l) => l.split('=', 2)),
      )
      if (p.ActiveState === 'failed') state = {Result: p.Result ?? '', ExecMainStatus: p.ExecMainStatus ?? ''}
    }
    assert.ok(
      state.Result === 'oom-kill' || (state.Result === 'signal' && state.ExecMainStatus === '9'),
      `hog was not killed by the memory limit: ${JSON.stringify(state)}`,
    )
    const logs = await m.exec(['journalctl', '-u', 'niso-it-hog.service', '-o', 'cat', '--no-pager'])
    const peak = Math.max(...[...logs.stdout.matchAll(/hog: (\d+) MiB/g)].map((x) => Number(x[1])))
    assert.ok(peak < 40, `hog got to ${peak} MiB under a 32M limit`)
  })
})
