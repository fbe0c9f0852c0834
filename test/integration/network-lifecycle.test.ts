import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compileC, packApp} from '../helpers/apps.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const manifest = (name: string, version: string, port: number, extra = '') => `
[package]
name = "${name}"
version = "${version}"

[binary]
entrypoint = "hello-c"

[environment]
PORT = "${port}"
APP_VERSION = "${version}"
${extra}
`

/**
 * The network attachment across a service's life and beyond activation: a health check run by
 * hand, preset and version switches, rollback, and one-off runs.
 */
describe('network attachment across versions, presets, health checks and runs', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-netlife')
  let bin = ''
  const install = async (name: string, version: string, port: number, extra = '') => {
    const r = await m.niso(['install', packApp(m.shareDir, manifest(name, version, port, extra), bin)])
    assert.equal(r.code, 0, r.stderr)
  }
  const activate = async (name: string, version?: string) => {
    const r = await m.niso(['activate', name, ...(version ? [version] : [])])
    assert.equal(r.code, 0, r.stderr)
  }
  const curl = (url: string, ns?: string) =>
    m.exec([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'curl', '-sS', '--max-time', '2', url])
  const lease = async (app: string) => {
    const nets = JSON.parse((await m.niso(['net', 'list', '--json'])).stdout) as {name: string}[]
    for (const n of nets) {
      const inspect = JSON.parse((await m.niso(['net', 'inspect', n.name, '--json'])).stdout) as {
        services: {name: string; ip: string}[]
      }
      const s = inspect.services.find((x) => x.name === app)
      if (s) return `${n.name}=${s.ip}`
    }
    return ''
  }

  /** What of a service's attachment exists on the host. */
  const netState = async (app: string) => ({
    netns: (await m.exec(['ip', 'netns', 'list'])).stdout.includes(`niso-${app}`),
    veth: (await m.exec(['ip', 'link', 'show', `nv-${app}`])).code === 0,
    unit: (await m.exec(['test', '-e', `/etc/systemd/system/niso-netns-${app}.service`])).code === 0,
    hosts: (await m.exec(['test', '-e', `/opt/niso/net/hosts/${app}`])).code === 0,
  })

  /** The host's networking as niso leaves it: ruleset, links, namespaces, leases, companion units. */
  const snapshot = async () => ({
    nft: (await m.exec(['nft', 'list', 'ruleset'])).stdout,
    // Without indexes and operstate (a bridge turns from UNKNOWN to UP once a port forwards).
    links: (await m.exec(['ip', '-o', 'link', 'show'])).stdout.replace(/^\d+: /gm, '').replace(/ state \S+/g, ''),
    netns: (await m.exec(['ip', 'netns', 'list'])).stdout,
    leases: (await m.niso(['net', 'inspect', 'niso-default', '--json'])).stdout,
    units: (await m.exec(['sh', '-c', 'ls /etc/systemd/system | grep netns; ls /opt/niso/net/hosts'])).stdout,
  })

  it('builds the server', () => {
    bin = compileC('examples/hello-c/server.c', m.shareDir, 'hello-c')
  })

  it('niso health check by hand probes inside the service namespace', async () => {
    await install(
      'nl-local',
      '1.0.0',
      8085,
      'BIND = "127.0.0.1"\n[healthcheck]\nhttp = "http://127.0.0.1:8085/"\ninterval = "1h"',
    )
    await activate('nl-local')
    assert.notEqual((await curl('http://127.0.0.1:8085/')).code, 0, 'the endpoint is not only in its namespace')
    assert.equal((await curl('http://127.0.0.1:8085/', 'niso-nl-local')).code, 0)
    const r = await m.niso(['health', 'check', 'nl-local', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const check = JSON.parse(r.stdout) as {ok: boolean; detail: string}
    assert.equal(check.ok, true, check.detail)
    assert.equal((await m.niso(['deactivate', 'nl-local'])).code, 0)
  })

  it('a version under a preset without a network detaches; a networked version attaches again', async () => {
    await install('nl-sw', '1.0.0', 8086)
    await install('nl-sw', '2.0.0', 8086, '[isolation]\npreset = "strict"')
    await install('nl-sw', '3.0.0', 8086)
    await activate('nl-sw', '1.0.0')
    assert.equal(await lease('nl-sw'), 'niso-default=10.99.0.2')
    const attached = await netState('nl-sw')
    assert.deepEqual(attached, {netns: true, veth: true, unit: true, hosts: true})
    await activate('nl-sw', '2.0.0')
    assert.equal(await lease('nl-sw'), '')
    assert.deepEqual(await netState('nl-sw'), {netns: false, veth: false, unit: false, hosts: false})
    await activate('nl-sw', '3.0.0')
    assert.equal(await lease('nl-sw'), 'niso-default=10.99.0.2')
    assert.deepEqual(await netState('nl-sw'), attached)
    assert.equal((await curl('http://10.99.0.2:8086/')).stdout.split(' ')[1], '3.0.0')
    assert.equal((await m.niso(['deactivate', 'nl-sw'])).code, 0)
  })

  it('a version switch re-plans network, address and ports; rollback restores the previous attachment', async () => {
    assert.equal((await m.niso(['net', 'create', 'nl-back'])).code, 0)
    await install('nl-v', '1.0.0', 8087, '[network]\nports = ["18087:8087"]')
    await install('nl-v', '2.0.0', 8087, '[network]\nnetwork = "nl-back"\nip = "10.99.1.50"\nports = ["18088:8087"]')
    await activate('nl-v', '1.0.0')
    assert.equal(await lease('nl-v'), 'niso-default=10.99.0.2')
    assert.match((await curl('http://127.0.0.1:18087/')).stdout, /^hello-c 1\.0\.0 /)
    await activate('nl-v', '2.0.0')
    assert.equal(await lease('nl-v'), 'nl-back=10.99.1.50')
    assert.match(
      (await m.exec(['ip', '-n', 'niso-nl-v', '-o', '-4', 'addr', 'show', 'eth0'])).stdout,
      /10\.99\.1\.50\/24/,
    )
    assert.match((await curl('http://127.0.0.1:18088/')).stdout, /^hello-c 2\.0\.0 /)
    assert.notEqual((await curl('http://127.0.0.1:18087/')).code, 0, 'the old mapping is still there')
    const r = await m.niso(['rollback', 'nl-v'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await lease('nl-v'), 'niso-default=10.99.0.2')
    assert.match(
      (await m.exec(['ip', '-n', 'niso-nl-v', '-o', '-4', 'addr', 'show', 'eth0'])).stdout,
      /10\.99\.0\.2\/24/,
    )
    assert.match((await curl('http://127.0.0.1:18087/')).stdout, /^hello-c 1\.0\.0 /)
    assert.notEqual((await curl('http://127.0.0.1:18088/')).code, 0, 'the rolled-back mapping is still there')
    assert.equal((await m.niso(['deactivate', 'nl-v'])).code, 0)
    assert.equal((await m.niso(['net', 'remove', 'nl-back'])).code, 0)
  })

  it('niso run joins a network: reaches peers by name, answers on a published port, leaves nothing', async () => {
    await install('nl-peer', '1.0.0', 8089)
    await activate('nl-peer')
    const getter = packApp(
      m.shareDir,
      '[package]\nname = "nl-get"\nversion = "1.0.0"\n[binary]\nentrypoint = "http-get"\nargs = ["nl-peer", "8089"]\n',
      compileC('test/fixtures/apps/http-get.c', m.shareDir, 'http-get'),
    )
    assert.equal((await m.niso(['install', getter])).code, 0)
    const before = await snapshot()

    const web = await m.niso(['run', 'nl-peer', '-d', '--name', 'nl-web', '-p', '18095:8095', '-e', 'PORT=8095'])
    assert.equal(web.code, 0, web.stderr)
    assert.match((await curl('http://127.0.0.1:18095/')).stdout, /^hello-c 1\.0\.0 /)
    const webPid = (await m.exec(['systemctl', 'show', '-P', 'MainPID', 'niso-run-nl-web.service'])).stdout.trim()
    const uts = await m.exec(['nsenter', `--target=${webPid}`, '--uts', 'hostname'])
    assert.equal(uts.stdout.trim(), 'nl-web', uts.stderr)
    const peer = await m.niso(['run', 'nl-get'])
    assert.equal(peer.code, 0, peer.stderr)
    assert.match(peer.stdout, /^hello-c 1\.0\.0 /)
    const toRun = await m.niso(['run', 'nl-get', '--', 'nl-web.niso.local', '8095'])
    assert.equal(toRun.code, 0, toRun.stderr)
    assert.match(toRun.stdout, /^hello-c 1\.0\.0 /)

    assert.equal((await m.exec(['systemctl', 'stop', 'niso-run-nl-web.service'])).code, 0)
    let after = await snapshot()
    for (let i = 0; i < 100 && JSON.stringify(after) !== JSON.stringify(before); i++) {
      await new Promise((res) => setTimeout(res, 200))
      after = await snapshot()
    }
    assert.deepEqual(after, before, 'a run left network state behind')
    assert.equal((await m.exec(['sh', '-c', 'ls -A /opt/niso/run'])).stdout.trim(), '')

    const strict = await m.niso(['run', 'nl-peer', '--preset', 'strict', '-p', '18096:8089'])
    assert.equal(strict.code, 1)
    assert.match(strict.stderr, /^niso: --network\/--publish: preset "strict" runs without any network/m)
    assert.equal((await m.niso(['deactivate', 'nl-peer'])).code, 0)
  })
})
