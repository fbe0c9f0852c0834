import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Contribution, type MergeOptions, UnitError, mergeUnit, validateFragment} from '@niso/plugin-sdk'

const host = (Service: Record<string, string | string[]>, Unit = {}): Contribution => ({
  phase: 'host',
  source: 'niso',
  fragment: {Unit, Service},
})
const preset = (Service: Record<string, string | string[]>): Contribution => ({
  phase: 'preset',
  source: 'presets (preset "p")',
  fragment: {Service},
})
const runtime = (Service: Record<string, string | string[]>): Contribution => ({
  phase: 'runtime',
  source: 'rt-plugin (runtime "rt")',
  fragment: {Service},
})
const manifest = (Service: Record<string, string | string[]>, Unit = {}): Contribution => ({
  phase: 'manifest',
  source: 'manifest.toml',
  fragment: {Unit, Service},
})

/** Runs the merge and returns the error message it throws (and checks it is a UnitError with `code`). */
function refusal(contributions: Contribution[], code: string, options: MergeOptions = {}): string {
  try {
    mergeUnit(contributions, options)
  } catch (error) {
    assert.ok(error instanceof UnitError, `not a UnitError: ${error}`)
    assert.equal(error.code, code)
    return error.message
  }
  assert.fail('the merge was expected to fail')
}

describe('mergeUnit: owner', () => {
  it('keeps the owning phase value', () => {
    const r = mergeUnit([host({RootDirectory: '/r'}), runtime({ExecStart: ['/bin/app', 'a b']})])
    assert.equal(r.unit.Service.RootDirectory, '/r')
    assert.deepEqual(r.unit.Service.ExecStart, ['/bin/app', 'a b'])
    assert.deepEqual(r.sources.ExecStart, ['rt-plugin (runtime "rt")'])
  })

  it('refuses another phase, naming it', () => {
    assert.equal(
      refusal([host({RootDirectory: '/r'}), runtime({RootDirectory: '/elsewhere'})], 'E_UNIT_OWNER'),
      'RootDirectory= belongs to the host; rt-plugin (runtime "rt") may not set it',
    )
    assert.equal(
      refusal([preset({ExecStart: '/bin/sh'})], 'E_UNIT_OWNER'),
      'ExecStart= belongs to the runtime; presets (preset "p") may not set it',
    )
  })

  it('refuses two contributors of the owning phase that disagree, naming both', () => {
    const other: Contribution = {
      phase: 'runtime',
      source: 'other (runtime "x")',
      fragment: {Service: {ExecStart: '/b'}},
    }
    assert.equal(
      refusal([runtime({ExecStart: '/a'}), other], 'E_UNIT_CONFLICT'),
      'ExecStart= is set by both rt-plugin (runtime "rt") and other (runtime "x"); only one may set it',
    )
  })
})

describe('mergeUnit: override', () => {
  it('lets a later phase replace an earlier one, whatever the input order', () => {
    const r = mergeUnit([manifest({Restart: 'always'}), host({Restart: 'on-failure'})])
    assert.equal(r.unit.Service.Restart, 'always')
    assert.deepEqual(r.sources.Restart, ['manifest.toml'])
  })

  it('refuses two contributors of one phase that disagree', () => {
    const second: Contribution = {
      phase: 'manifest',
      source: 'manifest.toml [runtime]',
      fragment: {Service: {KillSignal: 'SIGINT'}},
    }
    assert.equal(
      refusal([manifest({KillSignal: 'SIGTERM'}), second], 'E_UNIT_CONFLICT'),
      'KillSignal= has conflicting values: "SIGTERM" from manifest.toml and "SIGINT" from manifest.toml [runtime]',
    )
  })
})

describe('mergeUnit: append', () => {
  it('concatenates in phase order and drops exact repeats', () => {
    const r = mergeUnit([
      manifest({Environment: ['PORT=1', 'A=b c']}),
      host({Environment: ['NISO_APP=x']}),
      runtime({Environment: ['NODE_ENV=production', 'PORT=1']}),
    ])
    assert.deepEqual(r.unit.Service.Environment, ['NISO_APP=x', 'NODE_ENV=production', 'PORT=1', 'A=b c'])
  })

  it('refuses one variable with two values, naming both sources', () => {
    assert.equal(
      refusal([runtime({Environment: ['PORT=9000']}), manifest({Environment: ['PORT=8080']})], 'E_UNIT_ENV'),
      'environment variable PORT is set to "9000" by rt-plugin (runtime "rt") and to "8080" by manifest.toml',
    )
  })

  it('keeps SystemCallFilter allow lines to the preset; later phases add only deny lines', () => {
    const r = mergeUnit([preset({SystemCallFilter: ['@system-service']}), manifest({SystemCallFilter: '~@mount'})])
    assert.deepEqual(r.unit.Service.SystemCallFilter, ['@system-service', '~@mount'])
    assert.equal(
      refusal(
        [preset({SystemCallFilter: ['@system-service']}), runtime({SystemCallFilter: ['@mount']})],
        'E_UNIT_FILTER',
      ),
      'SystemCallFilter=@mount from rt-plugin (runtime "rt") would widen the preset\'s allow list; after the preset only deny lines ("~…") may be added',
    )
  })

  it('refuses two mounts on one target', () => {
    assert.equal(
      refusal(
        [host({BindReadOnlyPaths: ['/pkg:/app']}), manifest({TemporaryFileSystem: ['/app:size=1M']})],
        'E_UNIT_MOUNT',
      ),
      'two mounts at /app: BindReadOnlyPaths=/pkg:/app from niso and TemporaryFileSystem=/app:size=1M from manifest.toml',
    )
  })
})

describe('mergeUnit: union', () => {
  it('is a sorted set, splitting space-joined strings', () => {
    const r = mergeUnit([
      host({}, {After: ['network.target']}),
      manifest({}, {After: 'b.service a.service network.target'}),
    ])
    assert.deepEqual(r.unit.Unit.After, ['a.service', 'b.service', 'network.target'])
  })

  it('limits IPAddressAllow= to the preset and the network backend', () => {
    assert.equal(
      refusal([manifest({IPAddressAllow: ['any']})], 'E_UNIT_OWNER'),
      'IPAddressAllow= belongs to the preset or network; manifest.toml may not set it',
    )
  })
})

describe('mergeUnit: restrict', () => {
  it('keeps the strictest value', () => {
    const r = mergeUnit([preset({ProtectSystem: 'full'}), manifest({ProtectSystem: 'strict'})])
    assert.equal(r.unit.Service.ProtectSystem, 'strict')
  })

  it('refuses a later contributor that sets a looser value directly', () => {
    assert.equal(
      refusal([preset({MemoryDenyWriteExecute: 'yes'}), runtime({MemoryDenyWriteExecute: 'no'})], 'E_UNIT_LOOSEN'),
      'rt-plugin (runtime "rt") sets MemoryDenyWriteExecute=no, looser than MemoryDenyWriteExecute=yes from presets (preset "p"); loosening needs a relaxation the preset permits',
    )
  })

  it('loosens only through a relaxation the preset permits, and records it', () => {
    const needs = [{directive: 'MemoryDenyWriteExecute', value: 'no', reason: 'V8 JIT', by: 'runtime "nodejs"'}]
    const contributions = [preset({MemoryDenyWriteExecute: 'yes'})]
    const r = mergeUnit(contributions, {
      policy: {preset: 'server', permits: ['MemoryDenyWriteExecute']},
      relaxations: needs,
    })
    assert.equal(r.unit.Service.MemoryDenyWriteExecute, 'no')
    assert.deepEqual(r.relaxations, needs)
    const exact = mergeUnit(contributions, {
      policy: {preset: 'server', permits: ['MemoryDenyWriteExecute=no']},
      relaxations: needs,
    })
    assert.equal(exact.unit.Service.MemoryDenyWriteExecute, 'no')
    assert.equal(
      refusal(contributions, 'E_UNIT_RELAXATION', {policy: {preset: 'strict', permits: []}, relaxations: needs}),
      'runtime "nodejs" needs MemoryDenyWriteExecute=no (V8 JIT); preset "strict" does not permit it',
    )
  })

  it('ignores a relaxation that loosens nothing, and does not record it', () => {
    const needs = [{directive: 'MemoryDenyWriteExecute', value: 'no', reason: 'JIT', by: 'runtime "x"'}]
    const r = mergeUnit([preset({PrivateTmp: 'yes'})], {policy: {preset: 'none', permits: []}, relaxations: needs})
    assert.equal(r.unit.Service.MemoryDenyWriteExecute, undefined)
    assert.deepEqual(r.relaxations, [])
  })

  it('refuses relaxing a directive that is not restrict or intersect', () => {
    const needs = [{directive: 'Restart', value: 'always', reason: 'r', by: 'runtime "x"'}]
    assert.match(refusal([], 'E_UNIT_RELAXATION', {relaxations: needs}), /asks to relax Restart=, which is not/)
  })
})

describe('mergeUnit: intersect', () => {
  it('narrows allow lists and applies "~" deny lists', () => {
    const r = mergeUnit([
      preset({CapabilityBoundingSet: ['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_RAW']}),
      manifest({CapabilityBoundingSet: ['~CAP_NET_RAW']}),
    ])
    assert.deepEqual(r.unit.Service.CapabilityBoundingSet, ['CAP_CHOWN', 'CAP_KILL'])
    const deny = mergeUnit([
      preset({CapabilityBoundingSet: '~CAP_SYS_ADMIN'}),
      manifest({CapabilityBoundingSet: ['~CAP_BPF']}),
    ])
    assert.deepEqual(deny.unit.Service.CapabilityBoundingSet, ['~CAP_BPF', 'CAP_SYS_ADMIN'])
    const empty = mergeUnit([preset({CapabilityBoundingSet: []}), manifest({CapabilityBoundingSet: ['CAP_KILL']})])
    assert.deepEqual(empty.unit.Service.CapabilityBoundingSet, [])
  })

  it('adds back only the items the preset permits, naming the refused ones', () => {
    const contributions = [preset({CapabilityBoundingSet: []})]
    const needs = [
      {directive: 'CapabilityBoundingSet', value: ['CAP_NET_BIND_SERVICE'], reason: 'port 80', by: 'manifest.toml'},
    ]
    const policy = {preset: 'server', permits: ['CapabilityBoundingSet=CAP_NET_BIND_SERVICE']}
    const r = mergeUnit(contributions, {policy, relaxations: needs})
    assert.deepEqual(r.unit.Service.CapabilityBoundingSet, ['CAP_NET_BIND_SERVICE'])
    const wider = [{...needs[0]!, value: ['CAP_NET_BIND_SERVICE', 'CAP_SYS_ADMIN', 'CAP_BPF']}]
    assert.equal(
      refusal(contributions, 'E_UNIT_RELAXATION', {policy, relaxations: wider}),
      'manifest.toml needs CapabilityBoundingSet=CAP_SYS_ADMIN CAP_BPF (port 80); preset "server" does not permit it',
    )
  })
})

describe('validateFragment', () => {
  it('names an unknown directive, its section and the contributor', () => {
    assert.throws(
      () => validateFragment({Service: {ProtectSytem: 'strict'}}, '@niso/plugin-isolation-presets (preset "strict")'),
      {
        message: `unsupported directive 'ProtectSytem' in [Service] from @niso/plugin-isolation-presets (preset "strict")`,
      },
    )
  })

  it('refuses a directive in the wrong section, a list for a scalar, a line break, a value off the lattice', () => {
    assert.throws(() => validateFragment({Unit: {ExecStart: '/x'}}, 'p'), {
      message: "directive 'ExecStart' belongs in [Service], not [Unit] (from p)",
    })
    assert.throws(() => validateFragment({Service: {Restart: ['a', 'b']}}, 'p'), {
      message: 'Restart= takes one value; p gave a list',
    })
    assert.throws(() => validateFragment({Service: {Restart: 'always\nExecStartPre=/bin/evil'}}, 'p'), {
      message: 'Restart= from p contains a line break or NUL',
    })
    assert.throws(() => validateFragment({Service: {ProtectSystem: 'maybe'}}, 'p'), {
      message: 'invalid ProtectSystem=maybe from p (expected one of: no, yes, full, strict)',
    })
    assert.throws(() => validateFragment({Socket: {}}, 'p'), {
      message: 'unsupported section [Socket] in a unit fragment from p',
    })
  })

  it('accepts line breaks where values are quoted (Environment=, an ExecStart argv)', () => {
    const ok = validateFragment({Service: {Environment: ['A=x\ny'], ExecStart: ['/bin/echo', 'a\nb']}}, 'p')
    assert.deepEqual(ok.Service?.Environment, ['A=x\ny'])
  })
})

describe('mergeUnit determinism', () => {
  it('gives the same unit for contributions in any order', () => {
    const all = [
      host({RootDirectory: '/r', Environment: ['A=1']}, {After: ['x.service']}),
      preset({ProtectSystem: 'strict', CapabilityBoundingSet: ['CAP_KILL', 'CAP_CHOWN']}),
      runtime({ExecStart: '/bin/app', Environment: ['B=2']}),
      manifest({Environment: ['C=3'], CapabilityBoundingSet: '~CAP_KILL'}, {After: ['a.service']}),
    ]
    const expected = mergeUnit(all)
    for (const order of [
      [3, 2, 1, 0],
      [2, 0, 3, 1],
      [1, 3, 0, 2],
    ]) {
      assert.deepEqual(mergeUnit(order.map((i) => all[i]!)), expected)
    }
  })
})
