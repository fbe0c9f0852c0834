import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {type FakeVersion, fakeActivate, fakePlan} from '../helpers/fake-activation.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

/**
 * Every lifecycle command but activate, against a real systemd in a niso machine, on services
 * written by the fake-activation fixture (python's http.server as a dynamic user in its own
 * rootfs, health-gated by `niso health wait`).
 */
describe('lifecycle commands on a real systemd', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-lifecycle')
  const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))
  const www = (app: string, version: string) => path.join(m.shareDir, 'www', app, version)
  const web = (version: string): FakeVersion => ({
    app: 'lc-web',
    version,
    port: 8181,
    www: www('lc-web', version),
    health: {intervalMs: 1000, timeoutMs: 1000, retries: 2},
    hooks: {
      onUnhealthy: 'echo "on_unhealthy as $(id -u)" > /www/on_unhealthy; echo ok > /www/health; echo healed',
      preDeactivate: 'echo "pre as $(id -u)" > /www/pre_deactivate',
      postDeactivate: 'echo "post as $(id -u)" > /www/post_deactivate',
    },
  })
  // Checked once a minute: the timer stays out of the way of the tests that probe by hand.
  const idle = (): FakeVersion => ({
    app: 'lc-idle',
    version: '1.0.0',
    port: 8182,
    www: www('lc-idle', '1.0.0'),
    health: {intervalMs: 60_000, timeoutMs: 1000, retries: 2},
  })
  const serve = (spec: FakeVersion, health = true) => {
    fs.mkdirSync(spec.www, {recursive: true})
    fs.writeFileSync(path.join(spec.www, 'version'), `${spec.version}\n`)
    if (health) fs.writeFileSync(path.join(spec.www, 'health'), 'ok\n')
    else fs.rmSync(path.join(spec.www, 'health'), {force: true})
  }
  const mainPid = async (unit: string) =>
    Number((await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', unit])).stdout.trim())
  const get = (port: number, file: string) =>
    m.exec(['curl', '-sS', '--fail', '--max-time', '3', `http://127.0.0.1:${port}/${file}`])
  const status = async (app: string) =>
    JSON.parse((await m.niso(['status', app, '--json'])).stdout) as Record<string, unknown>

  it('activates the fixtures through their health gate (niso health wait inside the rootfs)', async () => {
    serve(web('1.0.0'))
    serve(idle())
    await fakeActivate(m, web('1.0.0'))
    await fakeActivate(m, idle())
    assert.equal((await get(8181, 'version')).stdout, '1.0.0\n')
    const gate = await m.exec(['journalctl', '-u', 'niso-lc-web.service', '-o', 'cat', '--no-pager'])
    assert.match(gate.stdout, /^lc-web 1\.0\.0: healthy in \d+\.\ds \(HTTP 200\)$/m)
  })

  it('health wait passes at the first good probe, fails with the last detail within the budget', async () => {
    const ok = await m.niso(['health', 'wait', 'lc-idle'])
    assert.equal(ok.code, 0, ok.stderr)
    assert.match(ok.stdout, /^lc-idle 1\.0\.0: healthy in \d+\.\ds \(HTTP 200\)$/m)

    serve(idle(), false)
    try {
      let t0 = Date.now()
      const late = await m.niso(['health', 'wait', 'lc-idle', '--timeout', '2s'])
      let took = Date.now() - t0
      assert.equal(late.code, 1)
      const probes =
        /^niso: lc-idle 1\.0\.0 not healthy after 2\.\ds \((\d+) probes of GET http:\/\/127\.0\.0\.1:8182\/health\): HTTP 404$/m.exec(
          late.stderr,
        )
      // Gaps of 25, 50, 100… ms doubling up to the poll interval: about 8 probes in 2 s, not 3.
      assert.ok(probes && Number(probes[1]) >= 5 && Number(probes[1]) <= 10, late.stderr)
      assert.ok(took < 5000, `--timeout 2s took ${took} ms`)

      // Without --timeout the budget comes from the spec: start_period + retries × (interval + timeout).
      const quick = fakePlan({...idle(), health: {intervalMs: 300, timeoutMs: 200, retries: 3}})
      const planFile = path.join(m.shareDir, 'quick-plan.json')
      fs.writeFileSync(planFile, JSON.stringify(quick))
      t0 = Date.now()
      const budget = await m.niso(['health', 'wait', 'lc-idle', '--plan', planFile])
      took = Date.now() - t0
      assert.equal(budget.code, 1)
      assert.match(budget.stderr, /not healthy after 1\.\ds .*: HTTP 404$/m)
      assert.ok(took < 4000, `a 1.5 s budget took ${took} ms`)
    } finally {
      serve(idle())
    }
  })

  it('health check records healthy in the state DB and prints it as JSON', async () => {
    const r = await m.niso(['health', 'check', 'lc-idle', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const check = JSON.parse(r.stdout) as Record<string, unknown>
    assert.deepEqual(
      [check.ok, check.status, check.failures, check.detail, check.restarted],
      [true, 'healthy', 0, 'HTTP 200', false],
    )
    const s = await status('lc-idle')
    assert.equal(s.health, 'healthy')
    assert.equal(s.healthDetail, 'HTTP 200')
    assert.ok(typeof s.healthCheckedAt === 'string' && Date.now() - Date.parse(s.healthCheckedAt) < 60_000)
  })

  it('an unhealthy check is recorded, then after `retries` on_unhealthy runs in the sandbox and the service restarts', async () => {
    // By hand on lc-idle (retries 2): one failure is counted, not acted on; a pass resets it.
    serve(idle(), false)
    try {
      const failed = await m.niso(['health', 'check', 'lc-idle'])
      assert.equal(failed.code, 0, failed.stderr)
      assert.equal(failed.stdout, 'lc-idle: probe failed (HTTP 404), 1 consecutive failure(s)\n')
      const s = await status('lc-idle')
      assert.deepEqual([s.health, s.healthFailures, s.healthDetail], ['healthy', 1, 'HTTP 404'])
    } finally {
      serve(idle())
    }
    assert.equal((await m.niso(['health', 'check', 'lc-idle'])).stdout, 'lc-idle: healthy\n')
    const s = await status('lc-idle')
    assert.deepEqual([s.health, s.healthFailures], ['healthy', 0])

    // lc-web, through its timer: 404 twice in a row → on_unhealthy (which heals) → restart.
    const first = await mainPid('niso-lc-web.service')
    serve(web('1.0.0'), false)
    let log = ''
    for (let i = 0; i < 80 && !/^restarted niso-lc-web\.service$/m.test(log); i++) {
      await sleep(250)
      log = (await m.exec(['journalctl', '-u', 'niso-lc-web-health.service', '-o', 'cat', '--no-pager'])).stdout
    }
    assert.match(log, /^lc-web: healthy$/m)
    assert.match(log, /^lc-web: probe failed \(HTTP 404\), 1 consecutive failure\(s\)$/m)
    assert.match(
      log,
      /^lc-web: probe failed \(HTTP 404\), unhealthy: running on_unhealthy hooks\/on_unhealthy\.sh, then restarting\nhealed\nrestarting niso-lc-web\.service\nrestarted niso-lc-web\.service$/m,
    )
    const second = await mainPid('niso-lc-web.service')
    assert.notEqual(second, first, 'the service was not restarted')
    assert.ok(second > 0)
    const fired = fs.readFileSync(path.join(www('lc-web', '1.0.0'), 'on_unhealthy'), 'utf8')
    const uid = Number(/^on_unhealthy as (\d+)$/.exec(fired.trim())?.[1])
    assert.ok(uid >= 61184 && uid <= 65519, `on_unhealthy ran as ${uid}, not as a dynamic user in the sandbox`)
    assert.equal((await get(8181, 'health')).code, 0, 'healed service does not answer')
  })

  it('status shows systemd state, health, uptime and memory; one service in detail with its logs', async () => {
    let s = await status('lc-web')
    for (let i = 0; i < 20 && s.health !== 'healthy'; i++) {
      await sleep(250)
      s = await status('lc-web')
    }
    const pid = await mainPid('niso-lc-web.service')
    assert.equal(s.version, '1.0.0')
    assert.equal(s.status, 'active (running)')
    assert.equal(s.health, 'healthy')
    assert.equal(s.mainPid, pid)
    assert.equal(s.enabled, 'enabled')
    assert.ok(Number(s.memoryBytes) > 1_000_000, `memory ${s.memoryBytes}`)
    assert.ok(Number(s.tasks) >= 1)
    assert.ok(Array.isArray(s.journal) && s.journal.length === 5)

    const table = (await m.niso(['status'])).stdout.split('\n')
    assert.match(table[0] ?? '', /^NAME +VERSION +STATUS +HEALTH +UPTIME +MEMORY +PID$/)
    assert.match(table[1] ?? '', /^lc-idle +1\.0\.0 +active \(running\) +healthy +\d+[smh]\S* +[\d.]+ [kM]B +\d+$/)
    assert.match(
      table[2] ?? '',
      new RegExp(`^lc-web +1\\.0\\.0 +active \\(running\\) +healthy +\\d+[smh]\\S* +[\\d.]+ [kM]B +${pid}$`),
    )

    const detail = (await m.niso(['status', 'lc-web'])).stdout
    assert.match(detail, /^lc-web 1\.0\.0: active \(running\), healthy$/m)
    assert.match(detail, new RegExp(`^  main pid +${pid}$`, 'm'))
    assert.match(detail, /^ {2}unit +niso-lc-web\.service \(enabled\)$/m)
    assert.match(detail, /^ {2}last 5 log line\(s\):$/m)

    const none = await m.niso(['status', 'lc-nope'])
    assert.equal(none.code, 1)
    assert.equal(none.stderr, 'niso: lc-nope was never activated here\n')
  })

  it('rollback without a previous version is a one-line error', async () => {
    const none = await m.niso(['rollback', 'lc-idle'])
    assert.equal(none.code, 1)
    assert.equal(none.stderr, 'niso: lc-idle has no previous version to roll back to\n')
  })

  it('list adds STATUS, HEALTH, UPTIME and MEMORY from systemd for active versions', async () => {
    await fakeActivate(m, {...idle(), version: '0.9.0', start: false})
    await fakeActivate(m, idle())
    const lines = (await m.niso(['list'])).stdout.split('\n')
    assert.match(lines[0] ?? '', /^NAME +VERSION +STATUS +HEALTH +UPTIME +MEMORY +ARCH +SIZE +SIGNED BY +INSTALLED$/)
    const row = (v: string) => lines.find((l) => l.startsWith(`lc-idle  `) && l.includes(` ${v} `)) ?? ''
    assert.match(row('1.0.0'), /^lc-idle +1\.0\.0 +active \(running\) +healthy +\d+[smh]\S* +[\d.]+ [kM]B +x86_64 /)
    assert.match(row('0.9.0'), /^lc-idle +0\.9\.0 +installed +- +- +- +x86_64 /)
    const json = JSON.parse((await m.niso(['list', '--json'])).stdout) as Array<Record<string, unknown>>
    const active = json.find((p) => p.name === 'lc-idle' && p.version === '1.0.0')
    assert.equal((active?.live as Record<string, unknown>).state, 'active (running)')
    assert.equal(json.find((p) => p.name === 'lc-idle' && p.version === '0.9.0')?.live, undefined)
  })

  it('logs -n N prints the last N journal lines', async () => {
    await get(8181, 'version')
    const r = await m.niso(['logs', 'lc-web', '-n', '3'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trimEnd().split('\n')
    assert.equal(lines.length, 3)
    for (const l of lines) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\S* \S+ /)
    assert.match(r.stdout, /"GET \/(version|health) HTTP\/1\.1" 200/)
    const since = await m.niso(['logs', 'lc-web', '--since', '-1h'])
    assert.ok(since.stdout.split('\n').length > 3)
    const nope = await m.niso(['logs', 'lc-nope'])
    assert.equal(nope.code, 1)
  })

  it("exec runs inside the service's rootfs and namespaces as its uid, with its exit code", async () => {
    const pid = await mainPid('niso-lc-web.service')
    const procUid = /^Uid:\s+\d+\s+(\d+)/m.exec((await m.exec(['cat', `/proc/${pid}/status`])).stdout)?.[1]
    const id = await m.niso(['exec', 'lc-web', '--', 'id', '-u'])
    assert.equal(id.code, 0, id.stderr)
    assert.equal(id.stdout.trim(), procUid)
    assert.notEqual(procUid, '0')
    const inside = await m.niso([
      'exec',
      'lc-web',
      '--',
      'sh',
      '-c',
      'pwd; cat /app/VERSION; echo $NISO_APP; test -e /etc/shadow || test -e /home && echo host || echo confined',
    ])
    assert.equal(inside.stdout, '/app\n1.0.0\nlc-web\nconfined\n')
    assert.equal((await m.niso(['exec', 'lc-web', '--', 'sh', '-c', 'exit 7'])).code, 7)
    const stdin = await m.niso(['exec', 'lc-web', '--', 'cat'], {input: 'through\n'})
    assert.equal(stdin.stdout, 'through\n')
    const down = await m.niso(['exec', 'lc-nope', '--', 'id'])
    assert.equal(down.code, 1)
    assert.equal(down.stderr, 'niso: lc-nope is not running (niso-lc-nope.service is inactive)\n')
  })

  it('rollback swaps to the previous version and back', async () => {
    serve(web('2.0.0'))
    await fakeActivate(m, web('2.0.0'))
    assert.equal((await get(8181, 'version')).stdout, '2.0.0\n')

    const r = await m.niso(['rollback', 'lc-web'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Rolled back lc-web from 2.0.0 to 1.0.0\n')
    assert.equal((await get(8181, 'version')).stdout, '1.0.0\n')
    const link = await m.exec(['readlink', '/etc/systemd/system/niso-lc-web.service'])
    assert.equal(link.stdout.trim(), '/opt/niso/rootfs/lc-web/1.0.0/niso-lc-web.service')
    const links = await m.exec(['readlink', '/opt/niso/packages/lc-web/current', '/opt/niso/packages/lc-web/previous'])
    assert.equal(links.stdout, '1.0.0\n2.0.0\n')
    const s = await status('lc-web')
    assert.deepEqual([s.version, s.previousVersion, s.status], ['1.0.0', '2.0.0', 'active (running)'])

    assert.equal((await m.niso(['rollback', 'lc-web'])).code, 0)
    assert.equal((await get(8181, 'version')).stdout, '2.0.0\n')
  })

  it('a previous version that never becomes healthy is undone: the running version keeps serving', async () => {
    serve(web('1.0.0'), false)
    const t0 = Date.now()
    const r = await m.niso(['rollback', 'lc-web'])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /^niso: lc-web 1\.0\.0 failed to start or never became healthy \(.+\); 2\.0\.0 restored and running$/m,
    )
    assert.match(r.stderr, /^--- last log lines ---$/m)
    assert.match(r.stderr, /lc-web 1\.0\.0 not healthy after/)
    assert.ok(Date.now() - t0 < 30_000)
    assert.equal((await get(8181, 'version')).stdout, '2.0.0\n')
    const link = await m.exec(['readlink', '/etc/systemd/system/niso-lc-web.service'])
    assert.equal(link.stdout.trim(), '/opt/niso/rootfs/lc-web/2.0.0/niso-lc-web.service')
    const s = await status('lc-web')
    assert.deepEqual([s.version, s.previousVersion, s.status], ['2.0.0', '1.0.0', 'active (running)'])
    assert.equal((await m.exec(['systemctl', 'is-active', 'niso-lc-web-health.timer'])).stdout.trim(), 'active')
    serve(web('1.0.0'))
  })

  it('deactivate runs its hooks in the sandbox, stops, disables and unlinks; versions stay', async () => {
    const pid = await mainPid('niso-lc-web.service')
    const r = await m.niso(['deactivate', 'lc-web'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      'Deactivated lc-web 2.0.0 (stopped and disabled niso-lc-web.service and niso-lc-web-health.timer; its versions stay installed)\n',
    )
    assert.match(r.stderr, /^ {2}pre_deactivate hooks\/pre_deactivate\.sh$/m)
    for (const hook of ['pre', 'post']) {
      const text = fs.readFileSync(path.join(www('lc-web', '2.0.0'), `${hook}_deactivate`), 'utf8')
      assert.match(text, new RegExp(`^${hook} as 6\\d{4}\\n$`))
    }
    assert.notEqual((await get(8181, 'version')).code, 0, 'still answering after deactivate')
    assert.notEqual((await m.exec(['kill', '-0', String(pid)])).code, 0, 'the main process is still alive')
    for (const unit of ['niso-lc-web.service', 'niso-lc-web-health.timer', 'niso-lc-web-health.service']) {
      assert.notEqual((await m.exec(['test', '-e', `/etc/systemd/system/${unit}`])).code, 0, `${unit} still linked`)
      assert.equal((await m.exec(['systemctl', 'is-active', unit])).stdout.trim(), 'inactive')
    }
    assert.notEqual(
      (await m.exec(['test', '-L', '/etc/systemd/system/multi-user.target.wants/niso-lc-web.service'])).code,
      0,
    )
    assert.equal((await m.exec(['test', '-d', '/opt/niso/rootfs/lc-web/2.0.0'])).code, 0, 'version dir removed')
    assert.equal((await m.exec(['test', '-d', '/opt/niso/rootfs/lc-web/1.0.0'])).code, 0, 'version dir removed')
    const s = await status('lc-web')
    assert.deepEqual([s.version, s.previousVersion, s.health], [null, '2.0.0', '-'])

    const again = await m.niso(['deactivate', 'lc-web'])
    assert.equal(again.code, 0)
    assert.equal(again.stdout, 'lc-web is not active; nothing to do\n')
    assert.equal((await m.niso(['rollback', 'lc-web'])).code, 1)
    // The other service is untouched.
    assert.equal((await get(8182, 'version')).stdout, '1.0.0\n')
  })
})
