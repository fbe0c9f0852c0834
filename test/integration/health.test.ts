import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../helpers/cli.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const APP = path.join(import.meta.dirname, '../fixtures/apps/flaky')

describe(
  'health checks without a daemon',
  {skip: machineSkipReason() ?? (fs.existsSync('/usr/bin/node') ? undefined : 'no /usr/bin/node')},
  () => {
    const m = useMachine('it-health')

    it('records health, fires on_unhealthy after `retries` failures and restarts the service', async () => {
      const packed = runNiso(['pack', '--output', m.shareDir, '--json'], {cwd: APP})
      assert.equal(packed.code, 0, packed.stderr)
      assert.equal((await m.niso(['runtime', 'install', 'nodejs:20', '--from', '/usr/bin/node'])).code, 0)
      assert.equal((await m.niso(['install', (JSON.parse(packed.stdout) as {path: string}).path])).code, 0)
      const r = await m.niso(['activate', 'it-flaky'])
      assert.equal(r.code, 0, r.stderr)
      const pid = async () =>
        Number((await m.exec(['systemctl', 'show', '-p', 'MainPID', '--value', 'niso-it-flaky.service'])).stdout.trim())
      const first = await pid()

      // The start gate used probe 1; the timer's checks see probe 2 healthy, then 500s.
      let log = ''
      for (let i = 0; i < 60 && !/on_unhealthy fired/.test(log); i++) {
        await new Promise((res) => setTimeout(res, 250))
        log = (await m.exec(['journalctl', '-u', 'niso-it-flaky-health.service', '-o', 'cat', '--no-pager'])).stdout
      }
      assert.match(log, /^it-flaky: healthy$/m)
      assert.match(log, /^it-flaky: probe failed \(HTTP 500\), 1 consecutive failure\(s\)$/m)
      assert.match(log, /^on_unhealthy fired for it-flaky as uid (\d+)$/m)
      const uid = Number(/as uid (\d+)/.exec(log)?.[1])
      assert.ok(uid >= 61184, `on_unhealthy ran as ${uid}, not inside the dynamic-user sandbox`)
      let second = first
      for (let i = 0; i < 40 && (second === first || second === 0); i++) {
        await new Promise((res) => setTimeout(res, 250))
        second = await pid()
      }
      assert.notEqual(second, first, 'the service was not restarted')
    })

    it('the service brings its health timer along when it starts without niso (as at boot)', async () => {
      const timer = 'niso-it-flaky-health.timer'
      assert.equal((await m.exec(['systemctl', 'stop', timer, 'niso-it-flaky.service'])).code, 0)
      assert.equal((await m.exec(['systemctl', 'is-active', timer])).stdout.trim(), 'inactive')
      const started = await m.exec(['systemctl', 'start', 'niso-it-flaky.service'])
      assert.equal(started.code, 0, started.stderr)
      assert.equal((await m.exec(['systemctl', 'is-active', timer])).stdout.trim(), 'active')
    })
  },
)
