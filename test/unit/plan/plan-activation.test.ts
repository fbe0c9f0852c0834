import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {presets} from '@niso/plugin-isolation-presets'
import {PLUGIN_API_VERSION, type RootfsStep, defineRuntime} from '@niso/plugin-sdk'
import {testHost} from '@niso/plugin-sdk/testing'

import {planActivation} from '../../../dist/core/activation/plan-activation.js'
import {parseManifest} from '../../../dist/core/manifest/parse.js'
import {nisoPaths} from '../../../dist/core/paths.js'
import {staticProviders} from '../../../dist/core/plugins/static-providers.js'
import {parseUnitMounts} from '../../../dist/core/services/debug-view.js'

const MANIFEST = `[package]
name = "toy-app"
version = "1.2.3"
[runtime]
use = "toy:1"
[environment]
GREETING = "hello world"
[healthcheck]
tcp = "127.0.0.1:8080"
[volumes]
data = { mount = "/data" }
cache = { mount = "/cache", tmpfs = true, size = "8M" }
`

const TOOLS = {unshare: '/usr/bin/unshare', nsenter: '/usr/bin/nsenter', hostname: '/bin/hostname', sh: '/bin/sh'}

/** What a network backend contributes for a service attached as "toy" on niso-default. */
const NETWORK: NonNullable<Parameters<typeof planActivation>[0]['network']> = {
  plugin: 'test-net@1.0.0',
  source: 'test-net (network "bridge")',
  unit: {Service: {NetworkNamespacePath: '/run/netns/niso-toy-app'}},
  rootfs: [],
  netnsPath: '/run/netns/niso-toy-app',
  summary: {
    section: {},
    network: 'niso-default',
    subnet: '10.99.0.0/24',
    address: '10.99.0.2',
    hostname: 'toy',
    ports: [],
  },
}

function plan(rootfs: RootfsStep[] = [], options: {network?: boolean; tools?: Record<string, string>} = {}) {
  const toy = defineRuntime({
    id: 'toy',
    apiVersion: PLUGIN_API_VERSION,
    description: 'a test runtime',
    resolve: () => ({
      unit: {Service: {ExecStart: ['/usr/bin/toy', 'main.toy']}},
      rootfs: [{kind: 'bind-ro', host: '/opt/toy/bin/toy', target: '/usr/bin/toy'}, ...rootfs],
    }),
  })
  const set = staticProviders([
    {name: '@niso/plugin-isolation-presets', version: '1.0.0', preset: presets},
    {name: 'test-runtimes', version: '9.9.9', runtime: [toy]},
  ])
  return planActivation({
    manifest: parseManifest(MANIFEST),
    packageDir: '/opt/niso/packages/toy-app/1.2.3',
    paths: nisoPaths('/'),
    host: testHost('/', {executables: options.tools ?? TOOLS}),
    ...(options.network ? {network: NETWORK} : {}),
    presets: set.preset,
    runtimes: set.runtime,
    healthGate: {node: '/usr/bin/node', script: '/usr/lib/niso/dist/wait-healthy.js'},
    nisoCommand: ['/usr/bin/niso'],
    nisoEnv: {},
    nisoVersion: 'TEST',
  })
}

describe('planActivation', () => {
  it('names a networked service after its hostname, before the start gate probes it', async () => {
    const p = await plan([], {network: true})
    const posts = p.unitText.split('\n').filter((l) => l.startsWith('ExecStartPost='))
    assert.deepEqual(posts.slice(0, 1), [
      'ExecStartPost=-+/usr/lib/niso/unshare --mount-proc /usr/lib/niso/nsenter --target=${MAINPID} --uts /usr/lib/niso/hostname toy',
    ])
    assert.match(posts[1] ?? '', /wait-healthy\.js/)
    assert.match(p.unitText, /^ProtectHostname=yes$/m)
    // The command waits for the name (a script niso writes into the rootfs), then runs in place of the shell.
    assert.match(
      p.unitText,
      /^ExecStart=\/usr\/lib\/niso\/sh \/usr\/lib\/niso\/await-hostname toy \/usr\/bin\/toy main\.toy$/m,
    )
    assert.deepEqual(
      p.rootfs.files.filter((f) => f.target === '/usr/lib/niso/await-hostname').map((f) => f.mode),
      [0o644],
    )
    const binds = p.rootfs.binds.map((b) => `${b.source} ${b.target}`)
    for (const [name, host] of Object.entries(TOOLS)) assert.ok(binds.includes(`${host} /usr/lib/niso/${name}`), name)
    // Without a network there is no hostname of its own, and nothing is bound for it.
    const alone = await plan()
    assert.doesNotMatch(alone.unitText, /nsenter/)
    await assert.rejects(plan([], {network: true, tools: {nsenter: '/usr/bin/nsenter'}}), {
      message: 'cannot give the service its hostname: unshare is not on this host (install the util-linux package)',
    })
  })

  it('adds the host rootfs and the start gate to the unit, and lays out every mount', async () => {
    const p = await plan()
    assert.match(
      p.unitText,
      /^ExecStartPost=\+\/usr\/lib\/niso\/node \/usr\/lib\/niso\/wait-healthy\.js \S+ tcp 127\.0\.0\.1 8080$/m,
    )
    assert.match(p.unitText, /^RootDirectory=\/opt\/niso\/rootfs\/toy-app\/1\.2\.3\/root$/m)
    assert.match(p.unitText, /^Wants=niso-toy-app-health\.timer$/m)
    assert.deepEqual(
      p.rootfs.binds.map((b) => `${b.readOnly ? 'ro' : 'rw'} ${b.optional ? '-' : ''}${b.source} ${b.target}`),
      [
        'ro /opt/niso/packages/toy-app/1.2.3 /app',
        'rw /var/lib/niso/volumes/data /data',
        'ro -/etc/localtime /etc/localtime',
        'ro -/etc/resolv.conf /etc/resolv.conf',
        'ro -/etc/ssl/certs /etc/ssl/certs',
        // The gate's node and its library closure (the test host's fake closure).
        'ro /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libc.so.6',
        'ro /lib64/ld-linux-x86-64.so.2 /lib64/ld-linux-x86-64.so.2',
        'ro /opt/toy/bin/toy /usr/bin/toy',
        'ro /usr/bin/node /usr/lib/niso/node',
        'ro /usr/lib/niso/dist/wait-healthy.js /usr/lib/niso/wait-healthy.js',
        'ro -/usr/share/ca-certificates /usr/share/ca-certificates',
      ],
    )
    assert.ok(
      p.rootfs.dirs.some((d) => d.target === '/cache'),
      'no mount point for the tmpfs',
    )
    assert.deepEqual(
      p.rootfs.files.map((f) => f.target),
      ['/etc/group', '/etc/hosts', '/etc/nsswitch.conf', '/etc/passwd'],
    )
    assert.deepEqual(p.volumes, [{name: 'data', path: '/var/lib/niso/volumes/data'}])
    assert.equal(p.health?.spec.probe.kind, 'tcp')
    assert.equal(p.exposureBudget, 1)
  })

  it('gives hooks the sandbox of the unit, not its commands', async () => {
    const props = (await plan()).sandboxProperties
    assert.ok(props.includes('RootDirectory=/opt/niso/rootfs/toy-app/1.2.3/root'))
    assert.ok(props.includes('DynamicUser=yes'))
    assert.ok(props.includes('Environment="GREETING=hello world"'), props.join('\n'))
    assert.ok(props.some((x) => x.startsWith('BindReadOnlyPaths=/opt/niso/packages/toy-app/1.2.3:/app ')))
    assert.ok(props.includes('TemporaryFileSystem=/cache:size=8M,mode=1777,nosuid,nodev'))
    assert.ok(!props.some((x) => /^(ExecStart|ExecStartPost|Restart|TimeoutStartSec)=/.test(x)))
  })

  it('refuses a runtime file where the unit mounts something, naming both', async () => {
    await assert.rejects(plan([{kind: 'file', target: '/etc/resolv.conf', content: 'nameserver 1.1.1.1\n'}]), {
      code: 'E_ROOTFS_CONFLICT',
      message: 'rootfs target /etc/resolv.conf is claimed twice: by a mount in the unit and by runtime "toy"',
    })
  })
})

describe('parseUnitMounts', () => {
  it('reads the mounts systemctl show reports', () => {
    assert.deepEqual(
      parseUnitMounts({
        BindReadOnlyPaths: '/opt/niso/packages/a/1:/app:rbind -/etc/resolv.conf:/etc/resolv.conf:rbind',
        BindPaths: '/var/lib/niso/volumes/data:/data:rbind',
        TemporaryFileSystem: '/cache:size=8M,mode=1777',
      }),
      [
        {kind: 'bind-ro', source: '/opt/niso/packages/a/1', target: '/app', options: 'rbind', optional: false},
        {kind: 'tmpfs', target: '/cache', options: 'size=8M,mode=1777', optional: false},
        {kind: 'bind-rw', source: '/var/lib/niso/volumes/data', target: '/data', options: 'rbind', optional: false},
        {kind: 'bind-ro', source: '/etc/resolv.conf', target: '/etc/resolv.conf', options: 'rbind', optional: true},
      ],
    )
  })
})
