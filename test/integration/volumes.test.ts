import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const HOST_NODE = '/usr/bin/node'
const SERVER = `require('http').createServer((q, s) => s.end('ok')).listen(Number(process.env.PORT), '127.0.0.1')\n`

const manifest = (name: string, version: string, port: number, body: string) => `
[package]
name = "${name}"
version = "${version}"
[runtime]
use = "nodejs:20"
[binary]
entrypoint = "node"
args = ["server.js"]
[healthcheck]
http = "http://127.0.0.1:${port}/"
interval = "1s"
retries = 5
[copy]
include = ["server.js"]
${body}
`

describe(
  'volumes, env_file and what a service cannot see',
  {skip: machineSkipReason() ?? (fs.existsSync(HOST_NODE) ? undefined : `no ${HOST_NODE}`)},
  () => {
    const m = useMachine('it-vol')
    const secret = `s3cr3t-${randomBytes(6).toString('hex')}`
    /** Runs a node script inside the running service, as its user, in its rootfs. */
    const inside = async (app: string, script: string) => {
      const r = await m.niso(['exec', app, '--', '/usr/local/bin/node', '-e', script])
      assert.equal(r.code, 0, r.stderr)
      return r.stdout.trim()
    }
    const packed = (name: string, version: string, port: number, body: string) => {
      const src = fs.mkdtempSync(path.join(m.shareDir, `${name}-${version}-`))
      fs.writeFileSync(path.join(src, 'server.js'), SERVER)
      fs.writeFileSync(path.join(src, 'manifest.toml'), manifest(name, version, port, body))
      const r = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: src})
      assert.equal(r.code, 0, r.stderr)
      return (JSON.parse(r.stdout) as {path: string}).path
    }

    it('installs an app with a named volume, a sized tmpfs, host binds ro and rw, an env_file; and a second app', async () => {
      const seed = path.join(m.shareDir, 'seed')
      const out = path.join(m.shareDir, 'out')
      fs.mkdirSync(seed)
      fs.writeFileSync(path.join(seed, 'hello.txt'), 'seeded\n')
      fs.mkdirSync(out, {mode: 0o777})
      fs.chmodSync(out, 0o777)
      const envFile = path.join(m.shareDir, 'it-vol.env')
      fs.writeFileSync(envFile, `SECRET_TOKEN=${secret}\n`, {mode: 0o600})
      const body = `
[environment]
PORT = "8095"
env_file = "${envFile}"
[volumes]
itvoldata = { mount = "/data" }
scratch = { mount = "/scratch", tmpfs = true, size = "8M" }
seed = { mount = "/seed", host = "${seed}" }
out = { mount = "/out", host = "${out}", mode = "rw" }
`
      const files = [
        packed('it-vol', '1.0.0', 8095, body),
        packed('it-vol', '2.0.0', 8095, body),
        packed(
          'it-vol-other',
          '1.0.0',
          8096,
          '[environment]\nPORT = "8096"\n[volumes]\nitvolother = { mount = "/data" }\n',
        ),
      ]
      assert.equal((await m.niso(['runtime', 'install', 'nodejs:20', '--from', HOST_NODE])).code, 0)
      for (const file of files) assert.equal((await m.niso(['install', file])).code, 0)
      for (const [app, version] of [
        ['it-vol', '1.0.0'],
        ['it-vol-other', '1.0.0'],
      ] as const) {
        const r = await m.niso(['activate', app, version])
        assert.equal(r.code, 0, r.stderr)
      }
    })

    it('mounts each volume as declared: named and host rw writable, host ro read-only, tmpfs of its size', async () => {
      const result = await inside(
        'it-vol',
        `const fs = require('fs')
         const tryWrite = (f) => { try { fs.writeFileSync(f, 'x'); return 'ok' } catch (e) { return e.code } }
         fs.appendFileSync('/data/log', 'v1\\n')
         const st = fs.statfsSync('/scratch')
         console.log(JSON.stringify({
           data: fs.readFileSync('/data/log', 'utf8'),
           seed: fs.readFileSync('/seed/hello.txt', 'utf8'),
           seedWrite: tryWrite('/seed/new'),
           out: tryWrite('/out/from-service'),
           scratch: tryWrite('/scratch/x'),
           scratchBytes: st.blocks * st.bsize,
           app: tryWrite('/app/x'),
           root: tryWrite('/x'),
         }))`,
      )
      assert.deepEqual(JSON.parse(result), {
        data: 'v1\n',
        seed: 'seeded\n',
        seedWrite: 'EROFS',
        out: 'ok',
        scratch: 'ok',
        scratchBytes: 8 * 1024 * 1024,
        app: 'EROFS',
        root: 'EROFS',
      })
      assert.equal(fs.readFileSync(path.join(m.shareDir, 'out', 'from-service'), 'utf8'), 'x')
      const mode = await m.exec(['stat', '-c', '%a', '/var/lib/niso/volumes', '/var/lib/niso/volumes/itvoldata'])
      assert.deepEqual(mode.stdout.trim().split('\n'), ['700', '777'])
    })

    it('a named volume keeps its data, writable, across a new version and a rollback', async () => {
      assert.equal((await m.niso(['activate', 'it-vol', '2.0.0'])).code, 0)
      assert.equal(
        await inside(
          'it-vol',
          `require('fs').appendFileSync('/data/log', 'v2\\n'); console.log(process.env.NISO_VERSION)`,
        ),
        '2.0.0',
      )
      const r = await m.niso(['rollback', 'it-vol'])
      assert.equal(r.code, 0, r.stderr)
      const log = await inside(
        'it-vol',
        `const fs = require('fs'); fs.appendFileSync('/data/log', 'back\\n'); process.stdout.write(process.env.NISO_VERSION + ' ' + fs.readFileSync('/data/log', 'utf8'))`,
      )
      assert.equal(log, '1.0.0 v1\nv2\nback')
    })

    it('env_file reaches the process and is never copied into the unit, the plan or the state DB', async () => {
      assert.equal(await inside('it-vol', 'console.log(process.env.SECRET_TOKEN)'), secret)
      const unit = await m.exec(['cat', '/etc/systemd/system/niso-it-vol.service'])
      assert.match(unit.stdout, new RegExp(`^EnvironmentFile=${m.shareDir}/it-vol\\.env$`, 'm'))
      const copies = await m.exec(['grep', '-rl', secret, '/opt/niso', '/var/lib/niso', '/etc/systemd/system'])
      assert.equal(copies.stdout, '', `the secret was copied into: ${copies.stdout}`)
      assert.equal(copies.code, 1)
    })

    it("cannot read the host's /etc/shadow, /home, /opt/niso or another service's files and processes", async () => {
      await m.exec(['sh', '-c', 'mkdir -p /home/it-vol-user && echo private > /home/it-vol-user/notes'])
      assert.equal((await m.exec(['test', '-s', '/etc/shadow'])).code, 0, 'the machine has no /etc/shadow to hide')
      await inside('it-vol-other', `require('fs').writeFileSync('/data/private', 'other')`)
      const otherPid = (
        await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'niso-it-vol-other.service'])
      ).stdout.trim()
      const seen = await inside(
        'it-vol',
        `const fs = require('fs')
         const probe = (p) => { try { return fs.statSync(p).isDirectory() ? fs.readdirSync(p).join(',') : fs.readFileSync(p, 'utf8') } catch (e) { return e.code } }
         console.log(JSON.stringify([
           '/etc/shadow', '/home', '/home/it-vol-user/notes', '/opt/niso', '/var/lib/niso',
           '/var/lib/niso/volumes/itvolother/private', '/opt/niso/packages/it-vol-other', '/proc/${otherPid}/environ',
         ].map((p) => [p, probe(p)])))`,
      )
      assert.deepEqual(JSON.parse(seen), [
        ['/etc/shadow', 'ENOENT'],
        // ProtectHome=yes: an inaccessible /home over the rootfs's empty one.
        ['/home', 'EACCES'],
        ['/home/it-vol-user/notes', 'EACCES'],
        ['/opt/niso', 'ENOENT'],
        ['/var/lib/niso', 'ENOENT'],
        ['/var/lib/niso/volumes/itvolother/private', 'ENOENT'],
        ['/opt/niso/packages/it-vol-other', 'ENOENT'],
        [`/proc/${otherPid}/environ`, 'ENOENT'],
      ])
      // The other service's file is there: the probes above could have seen it.
      assert.equal((await m.exec(['cat', '/var/lib/niso/volumes/itvolother/private'])).stdout, 'other')
    })

    it('deactivates both; the volumes stay', async () => {
      for (const app of ['it-vol', 'it-vol-other']) assert.equal((await m.niso(['deactivate', app])).code, 0)
      assert.match((await m.exec(['cat', '/var/lib/niso/volumes/itvoldata/log'])).stdout, /^v1\nv2\nback\n$/)
    })
  },
)
