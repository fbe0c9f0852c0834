import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {nisoPaths} from '../../dist/core/paths.js'
import {machineFiles} from '../../dist/system/machine/state.js'
import {pidStartTime} from '../../dist/system/state/process-identity.js'
import {runNiso} from '../helpers/cli.ts'
import {execInMachine, machineSkipReason, uniqueMachineName, withMachine} from '../helpers/machine.ts'

const NODE = process.execPath
// a TCP server on the far end of a veth pair (in its own netns), and a client that reads its greeting
const SERVE =
  "const srv = require('net').createServer((s) => s.end('pong', () => srv.close())).listen(7777, '10.231.0.2'); setTimeout(() => process.exit(0), 20000).unref()"
const CONNECT =
  "const s = require('net').connect(7777, '10.231.0.2'); s.on('data', (d) => process.stdout.write(d)); s.on('error', () => process.exit(1))"

interface StartJson {
  name: string
  pid: number
  state: string
  alreadyRunning: boolean
  bootMs: number
  cgroups: string[]
}

function niso(args: string[], input?: string): {code: number; stdout: string; stderr: string} {
  return runNiso(args, input === undefined ? {} : {input})
}

function json<T>(r: {code: number; stdout: string; stderr: string}): T {
  assert.equal(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as T
}

function hostMountinfo(): string {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8')
}

/** The mount and superblock options of the host's /sys/fs/cgroup (a superblock remount would show). */
function cgroupMountOptions(): string {
  const line = hostMountinfo()
    .split('\n')
    .find((l) => l.split(' ')[4] === '/sys/fs/cgroup')
  return line ? [line.split(' ')[5], line.split(' - ')[1]].join(' ') : ''
}

describe('niso machine', {skip: machineSkipReason()}, () => {
  const name = uniqueMachineName('machine')
  const files = machineFiles(nisoPaths('/'), name)
  const sentinelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-machine-sentinel-'))
  const sentinel = path.join(sentinelDir, 'keep-me')
  let started: StartJson

  const inside = (args: string[], opts: Parameters<typeof execInMachine>[2] = {}) => execInMachine(name, args, opts)

  let hostDev: string[] = []
  let hostCgroupDir: string[] = []
  let hostCgroupOptions = ''

  before(() => {
    fs.writeFileSync(sentinel, 'host /tmp must survive the machine\n')
    hostDev = fs.readdirSync('/dev')
    hostCgroupDir = fs.readdirSync('/sys/fs/cgroup')
    hostCgroupOptions = cgroupMountOptions()
    started = json<StartJson>(niso(['machine', 'start', '--name', name, '--json']))
  })

  after(() => {
    niso(['machine', 'stop', '--name', name, '--kill'])
    fs.rmSync(sentinelDir, {recursive: true, force: true})
  })

  it('boots systemd to "running" in a few seconds', (t) => {
    assert.equal(started.name, name)
    assert.equal(started.alreadyRunning, false)
    assert.equal(started.state, 'running')
    assert.ok(pidStartTime(started.pid), `PID 1 (${started.pid}) runs on the host`)
    t.diagnostic(`boot to running: ${started.bootMs} ms`)
    assert.ok(started.bootMs < 15_000, `boot took ${started.bootMs} ms`)
    assert.equal(fs.readFileSync(`/proc/${started.pid}/comm`, 'utf8').trim(), 'systemd')
  })

  it('start again only reports the running machine', () => {
    const again = json<StartJson>(niso(['machine', 'start', '--name', name, '--json']))
    assert.equal(again.alreadyRunning, true)
    assert.equal(again.pid, started.pid)
    const human = niso(['machine', 'start', '--name', name])
    assert.match(human.stdout, new RegExp(`machine ${name} is already running \\(pid ${started.pid}`))
  })

  it('status and list report it', () => {
    const s = json<{name: string; state: string; pid: number; upper: string; uptimeSeconds: number}>(
      niso(['machine', 'status', '--name', name, '--json']),
    )
    assert.equal(s.state, 'running')
    assert.equal(s.pid, started.pid)
    assert.equal(s.upper, 'tmpfs')
    assert.ok(s.uptimeSeconds >= 0)
    const list = json<{machines: {name: string; state: string}[]}>(niso(['machine', 'list', '--json']))
    assert.deepEqual(
      list.machines.filter((m) => m.name === name),
      [list.machines.find((m) => m.name === name)],
    )
    assert.equal(list.machines.find((m) => m.name === name)?.state, 'running')
  })

  it('exec passes stdio and exit codes through, with a clean environment', () => {
    const code = niso(['machine', 'exec', '--name', name, '--', 'sh', '-c', 'echo out; echo err >&2; exit 42'])
    assert.equal(code.code, 42)
    assert.equal(code.stdout, 'out\n')
    assert.equal(code.stderr, 'err\n')
    const cat = niso(['machine', 'exec', '--name', name, '--', 'tr', 'a-z', 'A-Z'], 'piped in\n')
    assert.equal(cat.stdout, 'PIPED IN\n')
    const env = niso([
      'machine',
      'exec',
      '--name',
      name,
      '--env',
      'GREETING=hi there',
      '--',
      'sh',
      '-c',
      'echo "$GREETING|$HOME|$PATH|$(hostname)|$(pwd)|${NISO_ROOT:-unset}"',
    ])
    assert.equal(env.code, 0, env.stderr)
    assert.equal(
      env.stdout,
      `hi there|/root|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin|${name}|${process.cwd()}|unset\n`,
    )
    // option-like words after "--" belong to the command, in order
    const words = niso([
      'machine',
      'exec',
      '--name',
      name,
      '--',
      'printf',
      '%s|',
      '-p',
      'A=1',
      '--name',
      'x',
      '--',
      'y',
    ])
    assert.equal(words.stdout, '-p|A=1|--name|x|--|y|')
    const missing = niso(['machine', 'exec', '--name', name, '--', 'no-such-command-here'])
    assert.equal(missing.code, 127)
  })

  it('runs DynamicUser services with MemoryMax, and enforces the limit', async () => {
    const id = await inside([
      'systemd-run',
      '--wait',
      '--pipe',
      '--quiet',
      '--unit=niso-test-dyn',
      '-p',
      'DynamicUser=yes',
      '-p',
      'MemoryMax=50M',
      'sh',
      '-c',
      'id -u; id -un; cat /sys/fs/cgroup/memory/system.slice/niso-test-dyn.service/memory.limit_in_bytes',
    ])
    assert.equal(id.code, 0, id.stderr)
    const [uid, user, limit] = id.stdout.trim().split('\n')
    assert.ok(Number(uid) >= 61184 && Number(uid) <= 65519, `dynamic uid ${uid}`)
    assert.equal(user, 'niso-test-dyn')
    assert.equal(limit, String(50 * 1024 * 1024), 'the kernel enforces MemoryMax on the unit cgroup')
    const hog = await inside([
      'systemd-run',
      '--wait',
      '-p',
      'MemoryMax=30M',
      '-p',
      'DynamicUser=yes',
      'perl',
      '-e',
      '$$x = "a" x (300 * 1024 * 1024); print "survived\\n"',
    ])
    assert.notEqual(hog.code, 0, 'the hog was killed')
    assert.doesNotMatch(hog.stdout, /survived/)
    assert.match(hog.stderr, /code=killed\/status=KILL|oom-kill/, hog.stderr)
  })

  it('runs RootDirectory services with PrivateTmp, seeing only their root', async () => {
    const prep = await inside([
      'sh',
      '-c',
      'mkdir -p /srv/rfs/usr /srv/rfs/bin /srv/rfs/lib /srv/rfs/lib64 /srv/rfs/tmp',
    ])
    assert.equal(prep.code, 0, prep.stderr)
    const r = await inside([
      'systemd-run',
      '--wait',
      '--pipe',
      '--quiet',
      '-p',
      'RootDirectory=/srv/rfs',
      '-p',
      'BindReadOnlyPaths=/usr /bin /lib /lib64',
      '-p',
      'PrivateTmp=yes',
      '-p',
      'DynamicUser=yes',
      'sh',
      '-c',
      'ls /; echo tmp > /tmp/f && cat /tmp/f; test -e /etc/shadow && echo shadow-visible; test -e /work && echo work-visible; true',
    ])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.ok(lines.includes('tmp'), r.stdout)
    assert.ok(!lines.includes('shadow-visible') && !lines.includes('work-visible') && !lines.includes('home'), r.stdout)
  })

  it('has its own network namespace: lo up, nft, veth and ip netns work without touching the host', async () => {
    const lo = await inside(['ip', '-o', 'addr', 'show', 'dev', 'lo'])
    assert.match(lo.stdout, /inet 127\.0\.0\.1\/8/)
    const table = `niso_t_${process.pid}`
    const nft = await inside(['sh', '-c', `nft add table inet ${table} && nft list tables`])
    assert.equal(nft.code, 0, nft.stderr)
    assert.match(nft.stdout, new RegExp(`table inet ${table}`))
    const veth = await inside([
      'sh',
      '-c',
      'ip link add nisova type veth peer name nisovb && ip netns add nisons && ip link set nisovb netns nisons && ' +
        'ip addr add 10.231.0.1/30 dev nisova && ip link set nisova up && ' +
        'ip netns exec nisons ip addr add 10.231.0.2/30 dev nisovb && ip netns exec nisons ip link set nisovb up && ' +
        `ip netns exec nisons ${NODE} -e "${SERVE}" >/dev/null 2>&1 & ` +
        `for i in $(seq 100); do ${NODE} -e "${CONNECT}" && exit 0; sleep 0.05; done; exit 1`,
    ])
    assert.equal(veth.code, 0, veth.stderr)
    assert.equal(veth.stdout, 'pong')
    assert.ok(!fs.readdirSync('/sys/class/net').includes('nisova'), 'the veth stays in the machine')
    assert.ok(!fs.existsSync('/run/netns/nisons'), 'the netns stays in the machine')
  })

  it('keeps the host untouched: its /tmp, /etc, /dev and /sys/fs/cgroup', async () => {
    assert.ok(fs.existsSync(sentinel), 'host /tmp sentinel survives boot')
    const own = await inside([
      'sh',
      '-c',
      `test -e ${sentinel} && echo seen || echo hidden; echo x > /etc/niso-machine-test`,
    ])
    assert.equal(own.stdout.trim(), 'hidden', 'the machine has its own /tmp')
    assert.ok(!fs.existsSync('/etc/niso-machine-test'), 'machine writes stay in its overlay')
    // systemd creates nodes and symlinks in /dev and mount points in /sys/fs/cgroup, and remounts
    // the latter read-only: none of it may reach the host's.
    const newInDev = fs.readdirSync('/dev').filter((e) => !hostDev.includes(e))
    assert.deepEqual(
      newInDev.filter((e) => ['log', 'initctl', 'mqueue', 'hugepages', 'console'].includes(e)),
      [],
    )
    assert.deepEqual(fs.readdirSync('/sys/fs/cgroup'), hostCgroupDir)
    assert.equal(cgroupMountOptions(), hostCgroupOptions)
    assert.ok(!hostMountinfo().includes(files.dir), 'no machine mount is visible on the host')
  })

  it('the systemd wrappers drive the machine systemd from inside', async () => {
    const script = `
      const sc = await import(${JSON.stringify(path.resolve('dist/system/systemd/systemctl.js'))})
      const j = await import(${JSON.stringify(path.resolve('dist/system/systemd/journal.js'))})
      const {run} = await import(${JSON.stringify(path.resolve('dist/system/systemd/run.js'))})
      await run('systemd-run', ['--unit=niso-wrap', '--quiet', 'sh', '-c', 'echo line-one; echo line-two; exec sleep 300'], {check: true})
      const out = {}
      out.active = await sc.isActive('niso-wrap.service')
      const st = await sc.unitStatus('niso-wrap.service')
      out.state = [st.loadState, st.activeState, st.subState]
      out.mainPid = st.mainPid > 0
      out.since = Math.abs(Date.now() - st.activeEnterTimestamp.getTime()) < 60000
      out.listed = (await sc.listUnits(['niso-wrap*'])).map((u) => u.unit)
      // The service's output and systemd's own "Started" line reach journald by different paths.
      const printed = async () => (await j.lastLines('niso-wrap.service', 10)).filter((l) => l.startsWith('line-'))
      for (let i = 0; i < 100; i++) { if ((await printed()).length === 2) break; await new Promise((r) => setTimeout(r, 50)) }
      out.journal = await printed()
      await sc.stop('niso-wrap.service')
      out.after = await sc.activeState('niso-wrap.service')
      out.enabled = await sc.isEnabled('niso-wrap.service')
      try { await sc.start('no-such-unit-here.service') } catch (e) { out.error = [e.code, e.message] }
      process.stdout.write(JSON.stringify(out))
    `
    const r = await inside([NODE, '--input-type=module', '-e', script])
    assert.equal(r.code, 0, r.stderr)
    const out = JSON.parse(r.stdout) as Record<string, unknown>
    assert.equal(out.active, true)
    assert.deepEqual(out.state, ['loaded', 'active', 'running'])
    assert.equal(out.mainPid, true)
    assert.equal(out.since, true)
    assert.deepEqual(out.listed, ['niso-wrap.service'])
    assert.deepEqual(out.journal, ['line-one', 'line-two'])
    assert.equal(out.after, 'inactive')
    assert.deepEqual(out.error, [
      'E_SYSTEMCTL',
      'systemctl start no-such-unit-here.service: Failed to start no-such-unit-here.service: Unit no-such-unit-here.service not found.',
    ])
    assert.match(String(out.enabled), /^(static|transient|generated|not-found|unknown)$/)
  })

  it('stop powers it off and leaves nothing on the host', () => {
    const r = niso(['machine', 'stop', '--name', name])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^machine ${name} stopped`))
    assert.equal(pidStartTime(started.pid), undefined, 'PID 1 is gone')
    assert.ok(!hostMountinfo().includes(name), 'no leftover mounts')
    for (const dir of started.cgroups) assert.ok(!fs.existsSync(dir), `${dir} removed`)
    assert.ok(!fs.existsSync(files.dir) && !fs.existsSync(files.record), 'state files removed')
    assert.ok(fs.existsSync(sentinel), 'host /tmp sentinel survives stop')
    const s = json<{state: string}>(niso(['machine', 'status', '--name', name, '--json']))
    assert.equal(s.state, 'stopped')
    assert.match(niso(['machine', 'stop', '--name', name]).stdout, /is not running/)
    const exec = niso(['machine', 'exec', '--name', name, '--', 'true'])
    assert.equal(exec.code, 1)
    assert.match(exec.stderr, new RegExp(`machine ${name} is not running`))
  })
})

describe('niso machine lifecycle edges', {skip: machineSkipReason()}, () => {
  it('a killed PID 1 leaves a stale record that stop cleans up', async () => {
    const name = uniqueMachineName('stale')
    const s = json<StartJson>(niso(['machine', 'start', '--name', name, '--json']))
    process.kill(s.pid, 'SIGKILL')
    for (let i = 0; i < 200 && pidStartTime(s.pid) !== undefined; i++) await new Promise((r) => setTimeout(r, 10))
    const st = json<{state: string; running: boolean}>(niso(['machine', 'status', '--name', name, '--json']))
    assert.deepEqual([st.state, st.running], ['stale', false])
    const stop = niso(['machine', 'stop', '--name', name])
    assert.equal(stop.code, 0, stop.stderr)
    for (const dir of s.cgroups) assert.ok(!fs.existsSync(dir), `${dir} removed`)
  })

  it('a persistent machine keeps its writes across a stop, until --purge', async () => {
    const name = uniqueMachineName('persist')
    const upper = path.join(nisoPaths('/').varLib, 'machines', name)
    try {
      json<StartJson>(niso(['machine', 'start', '--name', name, '--persistent', '--json']))
      assert.equal((await execInMachine(name, ['sh', '-c', 'echo kept > /root/niso-persist'])).code, 0)
      niso(['machine', 'stop', '--name', name])
      json<StartJson>(niso(['machine', 'start', '--name', name, '--persistent', '--json']))
      assert.equal((await execInMachine(name, ['cat', '/root/niso-persist'])).stdout, 'kept\n')
      assert.ok(!fs.existsSync('/root/niso-persist'), 'the host root is untouched')
      const stop = niso(['machine', 'stop', '--name', name, '--purge'])
      assert.match(stop.stdout, /deleted the persistent overlay/)
      assert.ok(!fs.existsSync(upper))
    } finally {
      niso(['machine', 'stop', '--name', name, '--kill', '--purge'])
    }
  })

  it('withMachine shares a host directory at the same path and cleans up', async () => {
    let share = ''
    await withMachine('helper', async (m) => {
      share = m.shareDir
      fs.writeFileSync(path.join(m.shareDir, 'from-host'), 'hello\n')
      const r = await m.exec(['sh', '-c', `cat ${m.shareDir}/from-host && echo back > ${m.shareDir}/from-machine`])
      assert.equal(r.stdout, 'hello\n')
      assert.equal(fs.readFileSync(path.join(m.shareDir, 'from-machine'), 'utf8'), 'back\n')
      const v = await m.niso(['--version'])
      assert.equal(v.code, 0, v.stderr)
      assert.match(v.stdout, /^niso\/\d/)
    })
    assert.ok(!fs.existsSync(share))
  })

  it('refuses bad names and binds, naming them', () => {
    const bad = niso(['machine', 'start', '--name', 'Bad_Name'])
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /"Bad_Name" is not a machine name/)
    const bind = niso(['machine', 'start', '--name', uniqueMachineName('bind'), '--bind', '/no/such/dir'])
    assert.equal(bind.code, 1)
    assert.match(bind.stderr, /--bind \/no\/such\/dir: no such file or directory/)
  })
})
