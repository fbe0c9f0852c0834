import assert from 'node:assert/strict'
import fs from 'node:fs'
import {describe, it} from 'node:test'

import {packFiles} from '../helpers/apps.ts'
import {lifecycle} from '../helpers/lifecycle.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const HOST_PY = '/usr/bin/python3.11'

const manifest = (version: string, script = 'server.py') => `
[package]
name = "it-py"
version = "${version}"
[runtime]
use = "python:3.11"
[binary]
entrypoint = "python3"
args = ["${script}"]
[environment]
PORT = "8091"
APP_VERSION = "${version}"
[healthcheck]
http = "http://127.0.0.1:8091/health"
interval = "1s"
timeout = "1s"
retries = 2
[network]
ports = ["8091:8091"]
[copy]
include = ["server.py", "crash.py", "vendor"]
`

// A dependency vendored the way `pip install --target ./vendor` lays it out.
const GREETING = 'def greet(name):\n    return f"hello {name}"\n'

const SERVER = `
import http.server, json, os, ssl, sqlite3, sys
from greeting import greet

class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            body = b"ok\\n"
        else:
            body = json.dumps({
                "version": os.environ["APP_VERSION"],
                "greeting": greet("niso"),
                "python": sys.version.split()[0],
                "prefix": sys.prefix,
                "executable": sys.executable,
                "uid": os.getuid(),
                "shadow": os.path.exists("/etc/shadow"),
                "opt_niso": os.path.exists("/opt/niso"),
                "ssl_verify": ssl.create_default_context().cert_store_stats()["x509_ca"] > 0,
                "sqlite": sqlite3.sqlite_version,
            }).encode() + b"\\n"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

http.server.HTTPServer(("", int(os.environ["PORT"])), H).serve_forever()
`

const app = (version: string, script?: string) => ({
  'manifest.toml': manifest(version, script),
  'server.py': SERVER,
  'vendor/greeting.py': GREETING,
  // A version whose process exits at once, before it could ever be healthy.
  'crash.py': 'import sys\nsys.exit(3)\n',
})

describe(
  'a Python app under the python runtime plugin',
  {skip: machineSkipReason() ?? (fs.existsSync(HOST_PY) ? undefined : `no ${HOST_PY}`)},
  () => {
    const m = useMachine('it-py')
    const lc = lifecycle(m, {
      name: 'it-py',
      port: 8091,
      versionOf: (body) => (JSON.parse(body) as {version: string}).version,
    })

    it('python itself runs under MemoryDenyWriteExecute=yes (no relaxation needed)', async () => {
      const r = await m.exec([
        'systemd-run',
        '--wait',
        '--pipe',
        '--quiet',
        '-p',
        'MemoryDenyWriteExecute=yes',
        HOST_PY,
        '-c',
        'import ssl, json; print(json.dumps(1))',
      ])
      assert.equal(r.stdout.trim(), '1', r.stderr)
    })

    it('adopts the host python 3.11 with its stdlib; installs v1, v2 and a v3 that exits at once', async () => {
      const inst = await m.niso(['runtime', 'install', 'python:3.11'])
      assert.equal(inst.code, 0, inst.stderr)
      assert.match(inst.stdout, /^Installed runtime python:3\.11\.\d+ \(host:\/usr\/bin\/python3\.11\)/)
      for (const files of [app('1.0.0'), app('2.0.0'), app('3.0.0', 'crash.py')]) {
        const r = await m.niso(['install', packFiles(m.shareDir, files)])
        assert.equal(r.code, 0, r.stderr)
      }
    })

    it('activates v1 with vendored deps and serves it from its rootfs', async () => {
      await lc.activate('1.0.0')
      const info = JSON.parse((await lc.get()).stdout) as Record<string, unknown>
      assert.equal(info.greeting, 'hello niso')
      assert.match(String(info.python), /^3\.11\./)
      assert.equal(info.prefix, '/usr/local')
      assert.equal(info.executable, '/usr/local/bin/python3.11')
      assert.ok(Number(info.uid) >= 61184, `not a dynamic user: ${String(info.uid)}`)
      assert.equal(info.shadow, false)
      assert.equal(info.opt_niso, false)
      assert.equal(info.ssl_verify, true)
      const unit = await m.exec(['cat', '/etc/systemd/system/niso-it-py.service'])
      assert.match(
        unit.stdout,
        /^ExecStart=\/usr\/lib\/niso\/sh \/usr\/lib\/niso\/await-hostname it-py \/usr\/local\/bin\/python3\.11 server\.py$/m,
      )
      assert.match(unit.stdout, /^Environment=PYTHONPATH=\/app\/vendor$/m)
      assert.match(unit.stdout, /^MemoryDenyWriteExecute=yes$/m)
    })

    it('a second activate of the same version restarts nothing (same MainPID)', async () => {
      await lc.activateAgainKeepsPid('1.0.0')
    })

    it('activates v2 in place of v1', async () => {
      await lc.activate('2.0.0')
    })

    it('a version that exits at once is undone and v2 keeps serving', async () => {
      await lc.activateFailsAndUndoes(
        '3.0.0',
        '2.0.0',
        /main process (\d+ exited after [\d.]+s|exited before the start gate ran), never healthy/,
      )
    })

    it('refuses to remove the runtime while the app uses it', async () => {
      const list = JSON.parse((await m.niso(['runtime', 'list', '--json'])).stdout) as {version: string}[]
      const version = list[0]?.version ?? ''
      const r = await m.niso(['runtime', 'remove', `python:${version}`])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /is used by active service\(s\): it-py$/m)
    })

    it('rolls back to v1, then deactivates with every version still installed', async () => {
      await lc.rollback('2.0.0', '1.0.0')
      await lc.deactivate('1.0.0', ['1.0.0', '2.0.0', '3.0.0'])
    })
  },
)
