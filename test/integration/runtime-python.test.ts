import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const HOST_PY = '/usr/bin/python3.11'

const manifest = (version: string) => `
[package]
name = "it-py"
version = "${version}"
[runtime]
use = "python:3.11"
[binary]
entrypoint = "python3"
args = ["server.py"]
[environment]
PORT = "8091"
[healthcheck]
http = "http://127.0.0.1:8091/health"
interval = "1s"
retries = 3
[copy]
include = ["server.py", "vendor"]
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

http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
`

describe(
  'a Python app under the python runtime plugin',
  {skip: machineSkipReason() ?? (fs.existsSync(HOST_PY) ? undefined : `no ${HOST_PY}`)},
  () => {
    const m = useMachine('it-py')

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

    it('adopts the host python 3.11 with its stdlib, activates the app with vendored deps and serves it', async () => {
      const src = path.join(m.shareDir, 'src')
      fs.mkdirSync(path.join(src, 'vendor'), {recursive: true})
      fs.writeFileSync(path.join(src, 'vendor/greeting.py'), GREETING)
      fs.writeFileSync(path.join(src, 'server.py'), SERVER)
      fs.writeFileSync(path.join(src, 'manifest.toml'), manifest('1.0.0'))
      const packed = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: src})
      assert.equal(packed.code, 0, packed.stderr)
      const file = (JSON.parse(packed.stdout) as {path: string}).path

      const inst = await m.niso(['runtime', 'install', 'python:3.11'])
      assert.equal(inst.code, 0, inst.stderr)
      assert.match(inst.stdout, /^Installed runtime python:3\.11\.\d+ \(host:\/usr\/bin\/python3\.11\)/)
      assert.equal((await m.niso(['install', file])).code, 0)
      const r = await m.niso(['activate', 'it-py'])
      assert.equal(r.code, 0, r.stderr)
      const body = await m.exec(['ip', 'netns', 'exec', 'niso-it-py', 'curl', '-fsS', 'http://127.0.0.1:8091/'])
      const info = JSON.parse(body.stdout) as Record<string, unknown>
      assert.equal(info.greeting, 'hello niso')
      assert.match(String(info.python), /^3\.11\./)
      assert.equal(info.prefix, '/usr/local')
      assert.equal(info.executable, '/usr/local/bin/python3.11')
      assert.ok(Number(info.uid) >= 61184, `not a dynamic user: ${String(info.uid)}`)
      assert.equal(info.shadow, false)
      assert.equal(info.opt_niso, false)
      assert.equal(info.ssl_verify, true)
      const unit = await m.exec(['cat', '/etc/systemd/system/niso-it-py.service'])
      assert.match(unit.stdout, /^ExecStart=\/usr\/local\/bin\/python3\.11 server\.py$/m)
      assert.match(unit.stdout, /^Environment=PYTHONPATH=\/app\/vendor$/m)
      assert.match(unit.stdout, /^MemoryDenyWriteExecute=yes$/m)
    })

    it('refuses to remove the runtime while the app uses it', async () => {
      const list = JSON.parse((await m.niso(['runtime', 'list', '--json'])).stdout) as {version: string}[]
      const version = list[0]?.version ?? ''
      const r = await m.niso(['runtime', 'remove', `python:${version}`])
      assert.equal(r.code, 1)
      assert.match(r.stderr, /is used by active service\(s\): it-py$/m)
      assert.equal((await m.niso(['deactivate', 'it-py'])).code, 0)
    })
  },
)
