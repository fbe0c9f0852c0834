import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {commandLine} from '@niso/plugin-sdk'

import {parseManifest} from '../../../dist/core/manifest/parse.js'
import {runManifest} from '../../../dist/core/run/run-manifest.js'
import {cleanupUnitText, runProperties, runUnitBase} from '../../../dist/core/run/run-unit.js'
import {parseCpuStat, parseIoStat, serviceStats, statsUnit} from '../../../dist/core/services/stats.js'
import {splitCommandLine} from '../../../dist/core/unit/command-line.js'

const manifest = parseManifest(`
[package]
name = "tool"
version = "1.0.0"

[binary]
entrypoint = "tool"
args = ["--serve"]

[environment]
A = "1"
`)

describe('niso run planning', () => {
  it('splitCommandLine reverses the SDK commandLine for awkward words', () => {
    const argv = ['/usr/local/bin/node', 'a b', '100%', '$HOME', ';', 'q"uote\\', 'tab\tnl\n', '']
    assert.deepEqual(splitCommandLine(commandLine(argv)), argv)
    assert.throws(() => splitCommandLine('"open'), {code: 'E_UNIT_COMMAND'})
  })

  it('runManifest applies ARGS, --env and --preset and validates the result', () => {
    const m = runManifest(manifest, {args: ['--once'], env: ['A=2', 'B=x=y'], preset: 'strict'})
    assert.deepEqual(m.binary?.args, ['--once'])
    assert.deepEqual(m.environment, {A: '2', B: 'x=y'})
    assert.equal(m.isolation?.preset, 'strict')
    assert.deepEqual(runManifest(manifest, {}).binary?.args, ['--serve'])
    assert.throws(() => runManifest(manifest, {env: ['1X=y']}), {code: 'E_FLAG'})
    assert.throws(() => runManifest(manifest, {env: ['NOVALUE']}), {code: 'E_FLAG'})
  })

  it('names run units and refuses names systemd would not take', () => {
    assert.equal(runUnitBase('@acme/api', undefined, 'ab12'), 'niso-run-acme-api-ab12')
    assert.equal(runUnitBase('api', 'nightly', 'ab12'), 'niso-run-nightly')
    assert.throws(() => runUnitBase('api', 'a/b', 'x'), {code: 'E_FLAG'})
    const cleanup = cleanupUnitText('/opt/niso/run', {command: ['/opt/my niso/bin/niso'], env: {NISO_ROOT: '/srv/n'}})
    assert.match(
      cleanup,
      /^Environment=NISO_ROOT=\/srv\/n\nExecStart=-"\/opt\/my niso\/bin\/niso" net release-run %i\n/m,
    )
    assert.match(cleanup, /^ExecStart=rm -rf --one-file-system -- \/opt\/niso\/run\/%i$/m)
  })

  it("runProperties writes [Unit] and [Service] as -p properties, without the run's own", () => {
    const props = runProperties({
      Unit: {Description: 'x', After: ['b.service', 'a.service']},
      Service: {
        ExecStart: ['/app/x'],
        Restart: 'on-failure',
        DynamicUser: 'yes',
        Environment: ['A=1 2', 'P=100%'],
        CapabilityBoundingSet: [],
      },
      Install: {WantedBy: ['multi-user.target']},
    })
    assert.deepEqual(props, [
      'After=b.service a.service',
      'Environment="A=1 2"',
      'Environment=P=100%',
      'DynamicUser=yes',
      'CapabilityBoundingSet=',
    ])
  })
})

describe('niso stats arithmetic', () => {
  const sample = (at: number, cpuNsec: number | null, io: number | null) => ({
    unit: 'niso-api.service',
    at,
    cpuNsec,
    memoryBytes: 50,
    memoryMaxBytes: 200,
    tasks: 3,
    ioReadBytes: io,
    ioWriteBytes: io,
  })

  it('rates between two samples, percent of one CPU, memory share of the limit', () => {
    const s = serviceStats(sample(0, 1e9, 0), sample(2000, 2.5e9, 4000))
    assert.deepEqual([s.name, s.cpuPercent, s.memoryPercent, s.ioReadBytesPerSec, s.tasks], ['api', 75, 25, 2000, 3])
    assert.equal(serviceStats(undefined, sample(0, 1, 1)).cpuPercent, null)
    assert.equal(serviceStats(sample(0, null, null), sample(1000, 5, null)).ioWriteBytesPerSec, null)
  })

  it('reads cgroup v2 files and maps NAMEs to units', () => {
    assert.equal(parseCpuStat('usage_usec 1500\nuser_usec 1000\n'), 1_500_000)
    assert.equal(parseCpuStat(''), null)
    assert.deepEqual(parseIoStat('8:0 rbytes=10 wbytes=20 rios=1 wios=2\n8:16 rbytes=1 wbytes=2 rios=0 wios=0\n'), {
      read: 11,
      write: 22,
    })
    assert.deepEqual(['api', '@acme/api', 'run-x', 'niso-run-x.service'].map(statsUnit), [
      'niso-api.service',
      'niso-acme-api.service',
      'niso-run-x.service',
      'niso-run-x.service',
    ])
  })
})
