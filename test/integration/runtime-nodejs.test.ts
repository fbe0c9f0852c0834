import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const HOST_NODE20 = '/usr/bin/node'

const app = (preset: string) => `
[package]
name = "it-node"
version = "1.0.0"
[runtime]
use = "nodejs:20"
[binary]
entrypoint = "node"
args = ["server.js"]
[environment]
PORT = "8090"
[healthcheck]
http = "http://127.0.0.1:8090/health"
interval = "1s"
retries = 3
[isolation]
preset = "${preset}"
[copy]
include = ["server.js", "package.json"]
`

describe(
  'a Node.js app under the nodejs runtime plugin',
  {skip: machineSkipReason() ?? (fs.existsSync(HOST_NODE20) ? undefined : `no ${HOST_NODE20}`)},
  () => {
    const m = useMachine('it-node')

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

    it('adopts a host node 20, activates the example app and serves it from its rootfs', async () => {
      const src = path.join(m.shareDir, 'src')
      fs.mkdirSync(src)
      for (const f of ['server.js', 'package.json'])
        fs.copyFileSync(path.join(import.meta.dirname, '../../examples/hello-node', f), path.join(src, f))
      fs.writeFileSync(path.join(src, 'manifest.toml'), app('server'))
      const packed = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: src})
      assert.equal(packed.code, 0, packed.stderr)
      const file = (JSON.parse(packed.stdout) as {path: string}).path

      assert.equal((await m.niso(['runtime', 'install', 'nodejs:20', '--from', HOST_NODE20])).code, 0)
      assert.equal((await m.niso(['install', file])).code, 0)
      const r = await m.niso(['activate', 'it-node'])
      assert.equal(r.code, 0, r.stderr)
      const body = await m.exec(['ip', 'netns', 'exec', 'niso-it-node', 'curl', '-fsS', 'http://127.0.0.1:8090/'])
      const info = JSON.parse(body.stdout) as {node: string; uid: number}
      assert.match(info.node, /^v20\./)
      assert.ok(info.uid >= 61184, `not a dynamic user: ${info.uid}`)
      const unit = await m.exec(['cat', '/etc/systemd/system/niso-it-node.service'])
      assert.match(unit.stdout, /^ExecStart=\/usr\/local\/bin\/node server\.js$/m)
      assert.match(unit.stdout, /^MemoryDenyWriteExecute=no$/m)
      assert.match(unit.stdout, /^Relaxations=MemoryDenyWriteExecute=no for runtime "nodejs": V8's JIT/m)
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

    it('the strict preset refuses the relaxation with a one-line error and changes nothing', async () => {
      const src = path.join(m.shareDir, 'src')
      fs.writeFileSync(path.join(src, 'manifest.toml'), app('strict').replace('1.0.0', '1.1.0'))
      const packed = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: src})
      const file = (JSON.parse(packed.stdout) as {path: string}).path
      assert.equal((await m.niso(['install', file])).code, 0)
      const r = await m.niso(['activate', 'it-node', '1.1.0'])
      assert.equal(r.code, 1)
      assert.match(
        r.stderr,
        /^niso: runtime "nodejs" needs MemoryDenyWriteExecute=no \(V8's JIT[^)]*\); preset "strict" does not permit it$/m,
      )
      const link = await m.exec(['readlink', '/opt/niso/packages/it-node/current'])
      assert.equal(link.stdout.trim(), '1.0.0')
    })
  },
)
