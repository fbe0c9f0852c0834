import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compileC, packApp} from '../helpers/apps.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const manifest = (name: string, port: number, network = '', binary = 'hello-c') => `
[package]
name = "${name}"
version = "1.0.0"

[binary]
entrypoint = "${binary}"

[environment]
PORT = "${port}"
APP_VERSION = "1.0.0"
${network}
`

const UDP_CLIENT = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"ping", (sys.argv[1], int(sys.argv[2])))
print(s.recv(100).decode())
`

/**
 * Networking on a real systemd with real nftables: bridges, namespaces, veths, leases, DNAT
 * (TCP, UDP, from 127.0.0.1 and the bridge address), discovery, isolation between networks,
 * port-forward, policies, plan-time errors and cleanup.
 */
describe('networking (net-nftables) on a real systemd', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-network')
  let bin = ''
  let udp = ''
  const install = async (name: string, port: number, network = '', binary = 'hello-c') => {
    const file = packApp(m.shareDir, manifest(name, port, network, binary), binary === 'hello-c' ? bin : udp)
    const r = await m.niso(['install', file])
    assert.equal(r.code, 0, r.stderr)
  }
  const activate = async (name: string) => {
    const r = await m.niso(['activate', name])
    assert.equal(r.code, 0, r.stderr)
  }
  const curl = (url: string, ns?: string) =>
    m.exec([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'curl', '-sS', '--max-time', '2', url])
  const mainPid = async (app: string) =>
    Number((await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', `niso-${app}.service`])).stdout.trim())
  /**
   * From inside a service's namespace: resolve HOST with the service's own /etc/hosts (the file
   * niso binds into its rootfs, checked to be what the service sees), then GET it.
   */
  const getByName = async (app: string, host: string, port: number) => {
    const file = `/opt/niso/net/hosts/${app}/hosts`
    const seen = await m.exec(['cat', `/proc/${await mainPid(app)}/root/etc/hosts`])
    assert.equal(seen.stdout, (await m.exec(['cat', file])).stdout)
    return m.exec([
      'ip',
      'netns',
      'exec',
      `niso-${app}`,
      'unshare',
      '-m',
      'sh',
      '-c',
      `mount --bind ${file} /etc/hosts && ip=$(getent hosts ${host} | cut -d' ' -f1) && ` +
        `test -n "$ip" && curl -sS --max-time 2 http://$ip:${port}/`,
    ])
  }
  const snapshot = async () => ({
    nft: (await m.exec(['nft', 'list', 'ruleset'])).stdout,
    links: (await m.exec(['ip', '-o', 'link', 'show'])).stdout.replace(/^\d+: /gm, ''),
    netns: (await m.exec(['ip', 'netns', 'list'])).stdout,
  })
  let pristine: Awaited<ReturnType<typeof snapshot>>

  it('installs the apps and records the pristine network state', async () => {
    bin = compileC('examples/hello-c/server.c', m.shareDir, 'hello-c')
    udp = compileC('test/fixtures/apps/udp-echo.c', m.shareDir, 'udp-echo')
    pristine = await snapshot()
    await m.exec(['nft', 'add', 'table', 'ip', 'foreign'])
    await m.exec(['nft', 'add', 'chain', 'ip', 'foreign', 'keep'])
    const created = await m.niso(['net', 'create', 'nt-back'])
    assert.equal(created.code, 0, created.stderr)
    assert.match(created.stdout, /^Created network nt-back \(10\.99\.1\.0\/24, bridge niso-nt-back\)$/m)
    await install('nt-a', 8081, '[network]\nports = ["18081:8081"]\n[healthcheck]\nhttp = "http://127.0.0.1:8081/"')
    await install('nt-b', 8082)
    await install('nt-c', 8083, '[network]\nnetwork = "nt-back"')
    await install('nt-udp', 5353, '[network]\nports = ["15353:5353/udp"]', 'udp-echo')
  })

  it('--dry-run shows the attachment and changes nothing', async () => {
    const r = await m.niso(['activate', 'nt-a', '--dry-run'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^network niso-default \(10\.99\.0\.0\/24\): 10\.99\.0\.2 as nt-a\.niso\.local$/m)
    assert.match(r.stdout, /^port 18081:8081\/tcp$/m)
    assert.match(r.stdout, /^NetworkNamespacePath=\/run\/netns\/niso-nt-a$/m)
    const list = JSON.parse((await m.niso(['net', 'list', '--json'])).stdout) as {name: string}[]
    assert.deepEqual(
      list.map((n) => n.name),
      ['nt-back'],
    )
  })

  it('activates services into namespaces on bridges; a mapped port answers on 127.0.0.1 and the bridge address', async () => {
    for (const app of ['nt-a', 'nt-b', 'nt-c', 'nt-udp']) await activate(app)
    const inspect = JSON.parse((await m.niso(['net', 'inspect', 'niso-default', '--json'])).stdout) as {
      bridge: string
      services: {name: string; ip: string}[]
    }
    assert.equal(inspect.bridge, 'niso-default')
    assert.deepEqual(
      inspect.services.map((s) => `${s.name}=${s.ip}`),
      ['nt-a=10.99.0.2', 'nt-b=10.99.0.3', 'nt-udp=10.99.0.4'],
    )
    const local = await curl('http://127.0.0.1:18081/')
    assert.equal(local.code, 0, local.stderr)
    assert.match(local.stdout, /^hello-c 1\.0\.0 /)
    const bridge = await curl('http://10.99.0.1:18081/')
    assert.equal(bridge.code, 0, bridge.stderr)
    // The service is really in its own namespace with its address on eth0.
    const addr = await m.exec(['ip', '-n', 'niso-nt-a', '-o', '-4', 'addr', 'show', 'eth0'])
    assert.match(addr.stdout, /inet 10\.99\.0\.2\/24/)
    assert.equal((await m.exec(['systemctl', 'is-active', 'niso-netns-nt-a.service'])).stdout.trim(), 'active')
    // The service has its own hostname (its name); the machine keeps its own.
    const uts = await m.exec(['nsenter', `--target=${await mainPid('nt-a')}`, '--uts', 'hostname'])
    assert.equal(uts.stdout.trim(), 'nt-a', uts.stderr)
    const inside = await m.niso(['exec', 'nt-b', '--', '/usr/lib/niso/hostname'])
    assert.equal(inside.stdout.trim(), 'nt-b', inside.stderr)
    assert.equal((await m.exec(['hostname'])).stdout.trim(), m.name)
    // The periodic health check probes 127.0.0.1 inside the service's namespace.
    const health = await m.exec(['systemctl', 'start', 'niso-nt-a-health.service'])
    assert.equal(health.code, 0, health.stderr)
    const ports = await m.niso(['net', 'ports'])
    assert.match(ports.stdout, /^nt-a\s+0\.0\.0\.0:18081\s+10\.99\.0\.2:8081\s+tcp\s+manifest$/m)
    const rules = await m.niso(['net', 'rules'])
    assert.match(rules.stdout, /tcp dport 18081 fib daddr type local dnat ip to 10\.99\.0\.2:8081/)
    assert.match((await m.exec(['nft', 'list', 'tables'])).stdout, /table ip foreign/)
  })

  it('a UDP mapping works', async () => {
    await m.exec(['sh', '-c', `cat > /var/tmp/udp-client.py <<'EOF'\n${UDP_CLIENT}\nEOF`])
    const r = await m.exec(['/usr/bin/python3', '/var/tmp/udp-client.py', '127.0.0.1', '15353'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), 'echo ping')
  })

  it('peers on one network reach each other by name; another network cannot', async () => {
    const hosts = await m.exec(['cat', `/proc/${await mainPid('nt-a')}/root/etc/hosts`])
    assert.match(hosts.stdout, /^10\.99\.0\.3\tnt-b\.niso\.local nt-b$/m)
    assert.doesNotMatch(hosts.stdout, /nt-c/)
    const byName = await getByName('nt-a', 'nt-b.niso.local', 8082)
    assert.equal(byName.code, 0, byName.stderr)
    const short = await getByName('nt-b', 'nt-a', 8081)
    assert.equal(short.code, 0, short.stderr)
    const cross = await curl('http://10.99.0.2:8081/', 'niso-nt-c')
    assert.notEqual(cross.code, 0, 'nt-c (another network) reached nt-a')
    const back = await curl('http://10.99.1.2:8083/', 'niso-nt-a')
    assert.notEqual(back.code, 0, 'nt-a reached nt-c on another network')
  })

  it('port-forward adds and removes a mapping without restarting the service', async () => {
    const before = await mainPid('nt-b')
    const add = await m.niso(['port-forward', 'nt-b', '18082:8082'])
    assert.equal(add.code, 0, add.stderr)
    assert.equal((await curl('http://127.0.0.1:18082/')).code, 0)
    assert.equal(await mainPid('nt-b'), before)
    const remove = await m.niso(['port-forward', 'nt-b', '18082:8082', '--remove'])
    assert.equal(remove.code, 0, remove.stderr)
    assert.notEqual((await curl('http://127.0.0.1:18082/')).code, 0)
    assert.equal(await mainPid('nt-b'), before)
  })

  it('plan-time errors are one line and change nothing', async () => {
    const state = await snapshot()
    const nets = (await m.niso(['net', 'list', '--json'])).stdout
    const cases: [string[], RegExp][] = [
      [
        ['net', 'create', 'nt-bad', '--subnet', '10.1.2.3/40'],
        /^niso: --subnet: "10\.1\.2\.3\/40" is not an IPv4 CIDR/,
      ],
      [['activate', 'nt-ip'], /^niso: manifest\.toml \[network\] ip: 10\.50\.0\.9 is outside network "niso-default"/],
      [
        ['activate', 'nt-clash'],
        /^niso: manifest\.toml \[network\] ports: host port 18081\/tcp is already taken by nt-a/,
      ],
      [['activate', 'nt-nonet'], /^niso: manifest\.toml \[network\] network: unknown network "nope"/],
    ]
    await install('nt-ip', 8090, '[network]\nip = "10.50.0.9"')
    await install('nt-clash', 8091, '[network]\nports = ["18081:8091"]')
    await install('nt-nonet', 8092, '[network]\nnetwork = "nope"')
    for (const [args, message] of cases) {
      const r = await m.niso(args)
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}`)
      assert.match(r.stderr, message)
      assert.equal(r.stderr.split('\n').filter((l) => l.startsWith('niso:')).length, 1)
    }
    assert.deepEqual(await snapshot(), state)
    assert.equal((await m.niso(['net', 'list', '--json'])).stdout, nets)
  })

  it('allow_from admits only the listed peer; egress deny blocks one destination while others pass', async () => {
    await install(
      'nt-pol',
      8084,
      '[network.policy]\nallow_from = ["nt-a"]\n[network.policy.egress]\ndeny = ["nt-b:8082"]',
    )
    await activate('nt-pol')
    assert.equal((await curl('http://10.99.0.5:8084/', 'niso-nt-a')).code, 0, 'the listed peer is refused')
    assert.notEqual((await curl('http://10.99.0.5:8084/', 'niso-nt-b')).code, 0, 'an unlisted peer got in')
    assert.notEqual((await curl('http://10.99.0.3:8082/', 'niso-nt-pol')).code, 0, 'the denied destination passed')
    assert.equal((await curl('http://10.99.0.2:8081/', 'niso-nt-pol')).code, 0, 'another destination was blocked')
  })

  it('deactivate removes the veth, lease, rules and hosts entries; the host is as it was', async () => {
    const r = await m.niso(['deactivate', 'nt-b'])
    assert.equal(r.code, 0, r.stderr)
    assert.notEqual((await m.exec(['ip', 'link', 'show', 'nv-nt-b'])).code, 0, 'veth left behind')
    assert.doesNotMatch((await m.exec(['cat', `/proc/${await mainPid('nt-a')}/root/etc/hosts`])).stdout, /nt-b/)
    const inspect = JSON.parse((await m.niso(['net', 'inspect', 'niso-default', '--json'])).stdout) as {
      services: {name: string}[]
    }
    assert.ok(!inspect.services.some((s) => s.name === 'nt-b'))
    const inUse = await m.niso(['net', 'remove', 'nt-back'])
    assert.equal(inUse.code, 1)
    assert.match(inUse.stderr, /^niso: network "nt-back" is in use by nt-c$/m)
    for (const app of ['nt-a', 'nt-c', 'nt-udp', 'nt-pol']) {
      const d = await m.niso(['deactivate', app])
      assert.equal(d.code, 0, d.stderr)
    }
    assert.equal((await m.niso(['net', 'remove', 'nt-back'])).code, 0)
    await m.exec(['nft', 'delete', 'table', 'ip', 'foreign'])
    assert.deepEqual(await snapshot(), pristine)
  })

  it('20 services activated and deactivated five at a time leave nft list ruleset and ip link as they were', async () => {
    const names = Array.from({length: 20}, (_, i) => `nt-many-${i}`)
    for (const [i, name] of names.entries())
      await install(name, 9000 + i, `[network]\nports = ["${19000 + i}:${9000 + i}"]`)
    // Five niso processes at a time: the host-wide network lock serialises their changes, and
    // each stages from the state as the one before it left it.
    const fiveAtATime = async (each: (name: string) => Promise<void>) => {
      for (let i = 0; i < names.length; i += 5) await Promise.all(names.slice(i, i + 5).map(each))
    }
    await fiveAtATime((name) => activate(name))
    for (const [i, name] of names.entries()) {
      const r = await curl(`http://127.0.0.1:${19000 + i}/`)
      assert.equal(r.code, 0, `127.0.0.1:${19000 + i}: ${r.stderr}`)
      // Each port reaches its own service, which read its hostname as it started (before any request).
      assert.match(r.stdout, new RegExp(`^hello-c 1\\.0\\.0 uid=\\d+ host=${name}\\n$`))
    }
    await fiveAtATime(async (name) => {
      const d = await m.niso(['deactivate', name])
      assert.equal(d.code, 0, d.stderr)
    })
    assert.deepEqual(await snapshot(), pristine)
  })
})
