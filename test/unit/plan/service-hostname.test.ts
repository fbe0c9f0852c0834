import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {testHost} from '@niso/plugin-sdk/testing'

import {awaitHostname, planHostname} from '../../../dist/core/plan/service-hostname.js'

const unit = (service: Record<string, string | string[]>) => ({Unit: {}, Service: service, Install: {}})
const execStart = (service: Record<string, string | string[]>) => awaitHostname(unit(service), 'web').Service.ExecStart

describe('a service hostname', () => {
  it('holds an argv or a command line behind the wait, keeping its prefixes in front', () => {
    assert.deepEqual(execStart({Type: 'exec', ExecStart: ['/usr/bin/app', '--port', '80']}), [
      '/usr/lib/niso/sh',
      '/usr/lib/niso/await-hostname',
      'web',
      '/usr/bin/app',
      '--port',
      '80',
    ])
    assert.equal(
      execStart({ExecStart: '-:/usr/bin/app "a b" $HOME'}),
      '-:/usr/lib/niso/sh /usr/lib/niso/await-hostname web /usr/bin/app "a b" $HOME',
    )
  })

  it('refuses "@" (its argv[0] would name the shell) and leaves notify and forking services alone', () => {
    assert.throws(() => execStart({ExecStart: '@/usr/bin/app app-name'}), {
      message: 'ExecStart=@/usr/bin/app app-name: the "@" prefix cannot be combined with a hostname',
    })
    for (const Type of ['notify', 'forking']) assert.equal(execStart({Type, ExecStart: '/usr/bin/app'}), '/usr/bin/app')
  })

  it('its script runs the command in place once the name is the one awaited, and after its bound when it never is', async () => {
    const tools = {unshare: '/usr/bin/unshare', nsenter: '/usr/bin/nsenter', hostname: '/bin/hostname', sh: '/bin/sh'}
    const {rootfs} = await planHostname('web', testHost('/', {executables: tools}))
    const file = rootfs.find((s) => s.kind === 'file' && s.target === '/usr/lib/niso/await-hostname')
    assert.ok(file?.kind === 'file')
    // The host's own hostname tool in place of the one bound into the rootfs.
    const script = file.content.replace('/usr/lib/niso/hostname', 'hostname')
    const name = execFileSync('hostname', {encoding: 'utf8'}).trim()
    // The shell execs the command: it runs as the same process (systemd's MainPID).
    const inPlace = spawnSync('sh', ['-c', script, 'x', name, 'sh', '-c', 'echo $$'], {encoding: 'utf8'})
    assert.equal(Number(inPlace.stdout), inPlace.pid)
    const run = (want: string, text = script) =>
      execFileSync('sh', ['-c', text, 'x', want, '/bin/echo', 'ran'], {encoding: 'utf8'})
    assert.equal(run(name), 'ran\n')
    assert.equal(run('not-this-host', script.replace(/-lt \d+/, '-lt 20')), 'ran\n')
  })
})
