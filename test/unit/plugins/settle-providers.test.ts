import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {PLUGIN_API_VERSION} from '@niso/plugin-sdk'

import {settleProviders} from '../../../dist/core/plugins/settle-providers.js'
import {staticProviders} from '../../../dist/core/plugins/static-providers.js'

const EVENT = 'niso:runtimes'
const rt = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  apiVersion: PLUGIN_API_VERSION,
  description: `runtime ${id}`,
  resolve: () => ({unit: {}, rootfs: []}),
  ...extra,
})
const plugin = (name: string, version = '1.0.0') => ({name, version})

describe('settleProviders', () => {
  it('sorts by tier, plugin name, then id, whatever order hooks finished in', () => {
    const settled = settleProviders('runtime', EVENT, {
      successes: [
        {plugin: plugin('zeta'), result: [rt('b'), rt('a')]},
        {plugin: plugin('alpha'), result: [rt('late', {tier: 'post'}), rt('c')]},
        {plugin: plugin('mid'), result: [rt('early', {tier: 'pre'})]},
      ],
      failures: [],
      declared: [],
    })
    assert.deepEqual(settled.problems, [])
    assert.deepEqual(
      settled.providers.map((p) => `${p.plugin}:${p.provider.id}`),
      ['mid@1.0.0:early', 'alpha@1.0.0:c', 'zeta@1.0.0:a', 'zeta@1.0.0:b', 'alpha@1.0.0:late'],
    )
  })

  it('deep-freezes what it hands out, leaving methods callable', () => {
    const provider = rt('x', {extra: {nested: ['a']}})
    const [p] = settleProviders('runtime', EVENT, {
      successes: [{plugin: plugin('p'), result: [provider]}],
      failures: [],
      declared: [],
    }).providers
    assert.ok(Object.isFrozen(p?.provider))
    assert.ok(Object.isFrozen((p?.provider as unknown as {extra: {nested: string[]}}).extra.nested))
    assert.deepEqual(p?.provider.resolve({} as never), {unit: {}, rootfs: []})
  })

  it('turns every kind of plugin failure into one line naming the plugin', () => {
    const settled = settleProviders('runtime', EVENT, {
      successes: [
        {plugin: plugin('not-array', '2.0.0'), result: {id: 'x'}},
        {plugin: plugin('bad-schema'), result: [{id: 'Ruby!', apiVersion: 1, description: 'x', resolve: () => null}]},
        {plugin: plugin('no-resolve'), result: [{id: 'ruby', apiVersion: 1, description: 'x'}]},
        {plugin: plugin('future'), result: [rt('ruby', {apiVersion: 2})]},
      ],
      failures: [{plugin: plugin('crashy', '0.1.0'), error: new Error('boom\nstack line')}],
      declared: [plugin('crashy', '0.1.0'), plugin('silent', '3.0.0'), plugin('bad-schema')],
    })
    assert.deepEqual(settled.providers, [])
    assert.deepEqual(settled.problems, [
      'plugin crashy@0.1.0 failed in niso:runtimes: boom',
      'plugin silent@3.0.0 declares niso:runtimes but exports no hook function',
      'plugin bad-schema@1.0.0: runtime "Ruby!" is invalid: id: must be a lowercase id like "nodejs"',
      'runtime "ruby" from future@1.0.0 targets plugin API 2; this niso supports 1',
      'plugin no-resolve@1.0.0: runtime "ruby" is invalid: resolve: is required',
      'plugin not-array@2.0.0 returned an object from niso:runtimes; expected an array of runtimes',
    ])
  })

  it('refuses one id from two plugins, naming both, and keeps neither', () => {
    const settled = settleProviders('runtime', EVENT, {
      successes: [
        {plugin: plugin('acme-python'), result: [rt('python'), rt('perl')]},
        {plugin: plugin('@niso/plugin-runtime-python'), result: [rt('python')]},
      ],
      failures: [],
      declared: [],
    })
    assert.deepEqual(settled.problems, [
      'runtime id "python" is provided by @niso/plugin-runtime-python and acme-python; uninstall one',
    ])
    assert.deepEqual(
      settled.providers.map((p) => p.provider.id),
      ['perl'],
    )
  })

  it('validates presets with the SDK schema, including permits', () => {
    const settled = settleProviders('preset', 'niso:isolation-presets', {
      successes: [
        {
          plugin: plugin('p'),
          result: [{id: 'loose', apiVersion: 1, description: 'd', unit: {}, permits: ['Restart']}],
        },
      ],
      failures: [],
      declared: [],
    })
    assert.deepEqual(settled.problems, [
      'plugin p@1.0.0: preset "loose" is invalid: permits.0: must name a restrict or intersect directive, optionally with "=value"',
    ])
  })
})

describe('staticProviders', () => {
  it('loads exported arrays with the same rules, and throws on a problem', () => {
    const set = staticProviders([{name: 'p', version: '1.0.0', runtime: [rt('a')]}])
    assert.deepEqual(
      set.runtime.map((p) => p.provider.id),
      ['a'],
    )
    assert.deepEqual(set.preset, [])
    assert.throws(
      () =>
        staticProviders([
          {name: 'p', version: '1.0.0', runtime: [rt('a')]},
          {name: 'q', version: '1.0.0', runtime: [rt('a')]},
        ]),
      {message: 'runtime id "a" is provided by p and q; uninstall one'},
    )
  })
})
