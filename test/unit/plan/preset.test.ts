import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {presets} from '@niso/plugin-isolation-presets'
import {type PresetData, resolvePreset} from '@niso/plugin-sdk'

const base: PresetData = {
  id: 'base',
  unit: {Service: {ProtectSystem: 'full', SystemCallFilter: ['@system-service'], Environment: ['A=1']}},
  permits: ['MemoryDenyWriteExecute'],
  exposureBudget: 2,
}

describe('resolvePreset', () => {
  it('lets a child replace scalars and sets, and extend ordered lists', () => {
    const child: PresetData = {
      id: 'child',
      extends: 'base',
      unit: {Service: {ProtectSystem: 'strict', SystemCallFilter: ['~@mount'], Environment: ['B=2']}},
    }
    const r = resolvePreset('child', [child, base])
    assert.deepEqual(
      r.chain.map((p) => p.id),
      ['base', 'child'],
    )
    assert.deepEqual(r.unit.Service, {
      ProtectSystem: 'strict',
      SystemCallFilter: ['@system-service', '~@mount'],
      Environment: ['A=1', 'B=2'],
    })
    // Inherited when the child declares none…
    assert.deepEqual(r.permits, ['MemoryDenyWriteExecute'])
    assert.equal(r.exposureBudget, 2)
    // …and never widened past what the child declares.
    const tight = resolvePreset('tight', [base, {...child, id: 'tight', permits: [], exposureBudget: 0.5}])
    assert.deepEqual(tight.permits, [])
    assert.equal(tight.exposureBudget, 0.5)
  })

  it('names cycles and unknown parents', () => {
    const a: PresetData = {id: 'a', extends: 'b', unit: {}}
    const b: PresetData = {id: 'b', extends: 'a', unit: {}}
    assert.throws(() => resolvePreset('a', [a, b]), {message: 'preset "a" extends itself: a → b → a'})
    assert.throws(() => resolvePreset('b', [b]), {message: 'preset "b" extends unknown preset "a" (available: b)'})
    assert.throws(() => resolvePreset('zzz', [a]), {message: 'unknown preset "zzz" (available: a)'})
  })
})

describe('built-in presets', () => {
  it('are the documented ladder, with budgets and permits', () => {
    assert.deepEqual(
      presets.map((p) => [p.id, p.extends ?? null, p.exposureBudget ?? null]),
      [
        ['none', null, null],
        ['minimal', null, null],
        ['server', null, 1],
        ['worker', 'server', 1],
        ['strict', 'server', 0.5],
        ['database', 'server', 1.5],
      ],
    )
    const strict = resolvePreset('strict', presets)
    assert.deepEqual(strict.permits, [])
    assert.equal(strict.unit.Service?.PrivateNetwork, 'yes')
    assert.equal(strict.unit.Service?.DynamicUser, 'yes')
    const server = resolvePreset('server', presets)
    assert.ok(server.permits.includes('MemoryDenyWriteExecute'))
    assert.ok(!server.permits.includes('CapabilityBoundingSet'), 'server permits single capabilities, not any')
  })
})
