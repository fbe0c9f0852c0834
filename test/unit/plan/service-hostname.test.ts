import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {splitCommandLine} from '../../../dist/core/unit/command-line.js'
import {awaitHostname} from '../../../dist/core/plan/service-hostname.js'

const unit = (service: Record<string, string | string[]>) => ({Unit: {}, Service: service, Install: {}})
const execStart = (service: Record<string, string | string[]>) => awaitHostname(unit(service), 'web').Service.ExecStart

describe('awaitHostname', () => {
  it('holds an argv or a command line behind the wait, keeping its prefixes in front', () => {
    const argv = execStart({Type: 'exec', ExecStart: ['/usr/bin/app', '--port', '80']}) as string[]
    assert.deepEqual(argv.slice(0, 2), ['/usr/lib/niso/sh', '-c'])
    assert.deepEqual(argv.slice(3), ['niso-await-hostname', 'web', '/usr/bin/app', '--port', '80'])
    const line = execStart({ExecStart: '-/usr/bin/app "a b"'}) as string
    assert.ok(line.startsWith('-/usr/lib/niso/sh -c "n=0; while [ $$n -lt '), line)
    assert.ok(line.endsWith(' niso-await-hostname web /usr/bin/app "a b"'), line)
    // What systemd runs: "$$" is a literal "$" once it has expanded the line.
    const words = splitCommandLine(line.slice(1))
    assert.equal(words[2], (argv as string[])[2])
    assert.match(words[2] ?? '', /\[ "\$\(\/usr\/lib\/niso\/hostname\)" != "\$1" \]/)
  })

  it('does not double "$" after ":" (no expansion), refuses "@", leaves notify and forking services alone', () => {
    const line = execStart({ExecStart: ':/usr/bin/app $HOME'}) as string
    assert.ok(line.startsWith(':/usr/lib/niso/sh -c "n=0; while [ $n -lt '), line)
    assert.throws(() => execStart({ExecStart: '@/usr/bin/app app-name'}), {
      message: 'ExecStart=@/usr/bin/app app-name: the "@" prefix cannot be combined with a hostname',
    })
    for (const Type of ['notify', 'forking']) assert.equal(execStart({Type, ExecStart: '/usr/bin/app'}), '/usr/bin/app')
  })

  it('runs the command in place once the name is the one awaited, and after its bound when it never is', () => {
    const argv = execStart({ExecStart: ['/bin/echo', 'ran']}) as string[]
    // The host's own hostname tool in place of the one bound into the rootfs.
    const script = (argv[2] as string).replace('/usr/lib/niso/hostname', 'hostname')
    const name = execFileSync('hostname', {encoding: 'utf8'}).trim()
    // The shell execs the command: it runs as the same process (systemd's MainPID).
    const inPlace = spawnSync('sh', ['-c', script, 'x', name, 'sh', '-c', 'echo $$'], {encoding: 'utf8'})
    assert.equal(Number(inPlace.stdout), inPlace.pid)
    assert.equal(execFileSync('sh', ['-c', script, 'x', name, '/bin/echo', 'ran'], {encoding: 'utf8'}), 'ran\n')
    const bounded = script.replace(/-lt \d+/, '-lt 20')
    assert.equal(
      execFileSync('sh', ['-c', bounded, 'x', 'not-this-host', '/bin/echo', 'ran'], {encoding: 'utf8'}),
      'ran\n',
    )
  })
})
