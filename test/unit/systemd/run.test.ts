import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {NisoError} from '../../../dist/core/errors.js'
import {firstLine, run, runChecked} from '../../../dist/system/systemd/run.js'

describe('run', () => {
  it('captures stdout, stderr and the exit code, feeding input', async () => {
    const r = await run('sh', ['-c', 'tr a-z A-Z; echo oops >&2; exit 3'], {input: 'abc\n'})
    assert.deepEqual(r, {code: 3, signal: null, stdout: 'ABC\n', stderr: 'oops\n', timedOut: false})
  })

  it('uses exactly the given environment', async () => {
    const r = await run('/usr/bin/env', [], {env: {ONLY: 'this'}})
    assert.equal(r.stdout, 'ONLY=this\n')
  })

  it('with check, throws one NisoError line naming the command and its first stderr line', async () => {
    const script = 'echo " " >&2; echo "  first problem" >&2; echo second >&2; exit 1'
    await assert.rejects(
      run('sh', ['-c', script], {check: true}),
      (e: unknown) =>
        e instanceof NisoError && e.code === 'E_COMMAND' && e.message === `sh -c ${script}: first problem`,
    )
    await assert.rejects(runChecked('systemctl-like', ['start', 'x.service', 'more'], {errorCode: 'E_X'}), {
      code: 'E_X',
      message: 'systemctl-like start x.service: systemctl-like: spawn systemctl-like ENOENT',
    })
    await assert.rejects(run('sh', ['-c', 'exit 4'], {check: true}), {message: 'sh -c exit 4: exit code 4'})
    assert.equal(await runChecked('sh', ['-c', 'echo fine']), 'fine\n')
  })

  it('reports a command that cannot start as 127, or as an error with check', async () => {
    const r = await run('/no/such/binary', ['x'])
    assert.equal(r.code, 127)
    assert.match(r.stderr, /^\/no\/such\/binary: spawn \/no\/such\/binary ENOENT/)
    await assert.rejects(run('/no/such/binary', [], {check: true}), /\/no\/such\/binary: \/no\/such\/binary: spawn/)
  })

  it('kills a command at its timeout', async () => {
    const t0 = Date.now()
    const r = await run('sleep', ['5'], {timeoutMs: 100})
    assert.equal(r.timedOut, true)
    assert.equal(r.signal, 'SIGKILL')
    assert.equal(r.code, 137)
    assert.ok(Date.now() - t0 < 3000)
    await assert.rejects(run('sleep', ['5'], {timeoutMs: 50, check: true}), {message: 'sleep 5: timed out'})
  })

  it('finds the first non-empty line', () => {
    assert.equal(firstLine('\n  \n  x y \nz'), 'x y')
    assert.equal(firstLine(''), '')
  })
})
