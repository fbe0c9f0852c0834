import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseBind} from '../../../dist/system/machine/binds.js'
import {MACHINE_PATH, machineEnv, parseEnvPairs} from '../../../dist/system/machine/exec.js'
import {formatUptime} from '../../../dist/system/machine/format.js'
import {checkMachineName, machineFiles} from '../../../dist/system/machine/state.js'
import {nisoPaths} from '../../../dist/core/paths.js'

describe('machine options', () => {
  it('parses --bind SRC[:DST][:ro|rw]', () => {
    assert.deepEqual(parseBind('/srv/a'), {source: '/srv/a', target: '/srv/a', readOnly: false})
    assert.deepEqual(parseBind('/srv/a:/b'), {source: '/srv/a', target: '/b', readOnly: false})
    assert.deepEqual(parseBind('/srv/a:ro'), {source: '/srv/a', target: '/srv/a', readOnly: true})
    assert.deepEqual(parseBind('/srv/a:/b/../c:rw'), {source: '/srv/a', target: '/c', readOnly: false})
    assert.throws(() => parseBind('/a:b'), /--bind \/a:b: b is not an absolute path/)
    assert.throws(() => parseBind('/a:/b:/c'), /--bind \/a:\/b:\/c: expected SRC\[:DST\]\[:ro\|rw\]/)
    assert.throws(() => parseBind(':ro'), /expected SRC/)
  })

  it('parses --env NAME=VALUE, values may hold "="', () => {
    assert.deepEqual(parseEnvPairs(['A=1', 'B=x=y', 'C=']), {A: '1', B: 'x=y', C: ''})
    assert.throws(() => parseEnvPairs(['NOVALUE']), /--env NOVALUE: expected NAME=VALUE/)
    assert.throws(() => parseEnvPairs(['1A=2']), /--env 1A=2/)
  })

  it('gives commands a clean environment, never the caller’s', () => {
    const env = machineEnv({EXTRA: 'yes'})
    assert.equal(env.PATH, MACHINE_PATH)
    assert.equal(env.HOME, '/root')
    assert.equal(env.EXTRA, 'yes')
    assert.equal(env.NISO_ROOT, undefined)
    assert.equal(Object.keys(env).includes('npm_lifecycle_event'), false)
  })

  it('accepts host names only as machine names', () => {
    assert.equal(checkMachineName('ci-1'), 'ci-1')
    for (const bad of ['', 'Ci', '-a', 'a_b', 'a.b', 'x'.repeat(64)]) {
      assert.throws(() => checkMachineName(bad), /is not a machine name/, bad)
    }
  })

  it('keeps records under <run>/machines and persistent overlays under <varLib>/machines', () => {
    const f = machineFiles(nisoPaths('/tmp/r'), 'ci')
    assert.equal(f.record, '/tmp/r/run/niso/machines/ci.json')
    assert.equal(f.dir, '/tmp/r/run/niso/machines/ci')
    assert.equal(f.persistentDir, '/tmp/r/var/lib/niso/machines/ci')
  })

  it('formats uptimes', () => {
    assert.deepEqual([0, 59, 61, 3725, 90061].map(formatUptime), ['0s', '59s', '1m 1s', '1h 2m', '1d 1h'])
  })
})
