import assert from 'node:assert/strict'
import fs from 'node:fs'
import {describe, it} from 'node:test'

import {exampleFile, packFiles} from '../helpers/apps.ts'
import {lifecycle} from '../helpers/lifecycle.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const HOST_NODE20 = '/usr/bin/node'

const app = (version: string, preset = 'server', health = 'http://127.0.0.1:8090/health') => ({
  'server.js': exampleFile('hello-node/server.js'),
  'package.json': exampleFile('hello-node/package.json'),
  'manifest.toml': `
[package]
name = "it-node"
version = "${version}"
[runtime]
use = "nodejs:20"
[binary]
entrypoint = "node"
args = ["server.js"]
[environment]
PORT = "8090"
APP_VERSION = "${version}"
[healthcheck]
http = "${health}"
interval = "1s"
timeout = "1s"
retries = 2
[isolation]
preset = "${preset}"
${preset === 'strict' ? '' : '[network]\nports = ["8090:8090"]'}
[copy]
include = ["server.js", "package.json"]
`,
})

describe(
  'a Node.js app under the nodejs runtime plugin',
  {skip: machineSkipReason() ?? (fs.existsSync(HOST_NODE20) ? undefined : `no ${HOST_NODE20}`)},
  () => {
    const m = useMachine('it-node')
    const lc = lifecycle(m, {
      name: 'it-node',
      port: 8090,
      versionOf: (body) => (JSON.parse(body) as {version: string}).version,
    })

    it('node itself aborts under MemoryDenyWriteExecute=yes (why the plugin asks for the relaxation)', async () => {
      const denied = await m.exec([
        'systemd-run',
        '--wait',
        '--pipe',
        '--quiet',
        '-p',
        'MemoryDenyWriteExecute=yes',
        HOST_NODE20,
        '-e',
        'console.log(1)',
      ])
      assert.notEqual(denied.code, 0)
      const allowed = await m.exec([
        'systemd-run',
        '--wait',
        '--pipe',
        '--quiet',
        '-p',
        'MemoryDenyWriteExecute=no',
        HOST_NODE20,
        '-e',
        'console.log(1)',
      ])
      assert.equal(allowed.stdout.trim(), '1')
    })

    it('adopts a host node 20, installs v1, v2, a never-healthy v3 and a strict v4', async () => {
      const adopt = await m.niso(['runtime', 'install', 'nodejs:20', '--from', HOST_NODE20])
      assert.equal(adopt.code, 0, adopt.stderr)
      for (const files of [
        app('1.0.0'),
        app('2.0.0'),
        app('3.0.0', 'server', 'http://127.0.0.1:8099/health'),
        app('4.0.0', 'strict'),
      ]) {
        const r = await m.niso(['install', packFiles(m.shareDir, files)])
        assert.equal(r.code, 0, r.stderr)
      }
    })

    it('activates v1 and serves it from its rootfs on node 20 as a dynamic user', async () => {
      await lc.activate('1.0.0')
      const info = JSON.parse((await lc.get()).stdout) as {node: string; uid: number}
      assert.match(info.node, /^v20\./)
      assert.ok(info.uid >= 61184, `not a dynamic user: ${info.uid}`)
      const unit = await m.exec(['cat', '/etc/systemd/system/niso-it-node.service'])
      assert.match(
        unit.stdout,
        /^ExecStart=\/usr\/lib\/niso\/sh \/usr\/lib\/niso\/await-hostname it-node \/usr\/local\/bin\/node server\.js$/m,
      )
      assert.match(unit.stdout, /^MemoryDenyWriteExecute=no$/m)
      assert.match(unit.stdout, /^Relaxations=MemoryDenyWriteExecute=no for runtime "nodejs": V8's JIT/m)
    })

    it('a second activate of the same version restarts nothing (same MainPID)', async () => {
      await lc.activateAgainKeepsPid('1.0.0')
    })

    it('niso exec runs inside the service: its rootfs, its namespaces, its dynamic uid; exit codes pass through', async () => {
      const pid = (
        await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'niso-it-node.service'])
      ).stdout.trim()
      const uid = /^Uid:\s+(\d+)/m.exec((await m.exec(['cat', `/proc/${pid}/status`])).stdout)?.[1]
      const script =
        'const fs = require("fs"); console.log(process.getuid(), process.cwd(), fs.existsSync("/etc/shadow"), fs.existsSync("/opt/niso"))'
      const r = await m.niso(['exec', 'it-node', '--', '/usr/local/bin/node', '-e', script])
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout.trim(), `${uid} /app false false`)
      assert.equal((await m.niso(['exec', 'it-node', '--', '/usr/local/bin/node', '-e', 'process.exit(3)'])).code, 3)
      const missing = await m.niso(['exec', 'no-such-app', '--', 'true'])
      assert.equal(missing.code, 1)
      assert.match(missing.stderr, /^niso: no-such-app is not running \(niso-no-such-app\.service is inactive\)$/m)
    })

    it('activates v2 in place of v1', async () => {
      await lc.activate('2.0.0')
    })

    it('a version that never becomes healthy is undone and v2 keeps serving', async () => {
      await lc.activateFailsAndUndoes(
        '3.0.0',
        '2.0.0',
        /not healthy after \d+s: http http:\/\/127\.0\.0\.1:8099\/health/,
      )
    })

    it('the strict preset refuses the relaxation with a one-line error and changes nothing', async () => {
      const r = await m.niso(['activate', 'it-node', '4.0.0'])
      assert.equal(r.code, 1)
      assert.match(
        r.stderr,
        /^niso: runtime "nodejs" needs MemoryDenyWriteExecute=no \(V8's JIT[^)]*\); preset "strict" does not permit it$/m,
      )
      await lc.assertServes('2.0.0')
      assert.equal((await m.exec(['readlink', '/opt/niso/packages/it-node/current'])).stdout.trim(), '2.0.0')
    })

    it('rolls back to v1, then deactivates with every version still installed', async () => {
      await lc.rollback('2.0.0', '1.0.0')
      await lc.deactivate('1.0.0', ['1.0.0', '2.0.0', '3.0.0', '4.0.0'])
    })
  },
)
