import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const PLUGIN = path.join(import.meta.dirname, '../fixtures/plugins/niso-plugin-acme')

describe(
  'a third-party plugin that imports only @niso/plugin-sdk',
  {skip: machineSkipReason() ?? (fs.existsSync('/usr/bin/perl') ? undefined : 'no perl')},
  () => {
    const m = useMachine('it-acme')

    it('imports nothing but the SDK and node built-ins', () => {
      for (const f of fs.readdirSync(path.join(PLUGIN, 'hooks'))) {
        const src = fs.readFileSync(path.join(PLUGIN, 'hooks', f), 'utf8')
        for (const [, spec] of src.matchAll(/from '([^']+)'/g))
          assert.match(spec ?? '', /^(@niso\/plugin-sdk|node:.*)$/, `${f} imports ${spec}`)
      }
    })

    it('is linked with `niso plugins link` and listed', async () => {
      const linked = await m.niso(['plugins', 'link', PLUGIN, '--no-install'])
      assert.equal(linked.code, 0, linked.stderr)
      const listed = await m.niso(['plugins'])
      assert.match(listed.stdout, /niso-plugin-acme 0\.1\.0 \(link\)/)
    })

    it('runs a Perl app under its runtime and its company preset (extends strict)', async () => {
      const packed = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: path.join(PLUGIN, 'app')})
      assert.equal(packed.code, 0, packed.stderr)
      assert.equal((await m.niso(['install', (JSON.parse(packed.stdout) as {path: string}).path])).code, 0)
      const r = await m.niso(['activate', 'acme-perl'])
      assert.equal(r.code, 0, r.stderr)
      const unit = (await m.exec(['cat', '/etc/systemd/system/niso-acme-perl.service'])).stdout
      assert.match(unit, /^ExecStart=\/usr\/bin\/perl \/app\/hello\.pl$/m)
      assert.match(unit, /^TasksMax=64$/m, 'the company preset')
      assert.match(unit, /^PrivateNetwork=yes$/m, 'inherited from strict')
      assert.match(unit, /^Preset=acme-strict extends strict extends server$/m)
      let log = ''
      for (let i = 0; i < 30 && !/tick/.test(log); i++) {
        await new Promise((res) => setTimeout(res, 200))
        log = (await m.exec(['journalctl', '-u', 'niso-acme-perl.service', '-o', 'cat', '--no-pager'])).stdout
      }
      assert.match(log, /^hello from perl v5\.\d+\.\d+ as uid (\d+)$/m)
      assert.match(log, /^tick \d\d:\d\d:\d\d$/m)
    })
  },
)
