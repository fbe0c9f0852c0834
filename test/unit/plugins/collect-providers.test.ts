import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Config} from '@oclif/core'

import {collectProviders, hookTimeoutMs, runDiscovery} from '../../../dist/core/plugins/collect-providers.js'
import {settleProviders} from '../../../dist/core/plugins/settle-providers.js'

/**
 * Discovery through oclif's real runHook: a throwaway CLI root whose plugins answer, crash,
 * hang, or declare the event and export nothing.
 */
let root: string

function plugin(name: string, hook: string): void {
  const dir = path.join(root, 'node_modules', name)
  fs.mkdirSync(dir, {recursive: true})
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({name, version: '1.2.3', type: 'module', oclif: {hooks: {'niso:runtimes': './hook.js'}}}),
  )
  fs.writeFileSync(path.join(dir, 'hook.js'), hook)
}

const PLUGINS = ['good-plugin', 'silent-plugin', 'crashy-plugin', 'slow-plugin']

const RUNTIME = (id: string) =>
  `{id: '${id}', apiVersion: 1, description: '${id} runtime', resolve: () => ({unit: {}, rootfs: []})}`

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-collect-'))
  fs.writeFileSync(
    path.join(root, 'package.json'),
    JSON.stringify({
      name: 'fake-niso',
      version: '0.0.0',
      type: 'module',
      // oclif loads a core plugin only when it is both listed here and a dependency.
      oclif: {bin: 'fake', plugins: PLUGINS},
      dependencies: Object.fromEntries(PLUGINS.map((p) => [p, '1.2.3'])),
    }),
  )
  plugin('good-plugin', `export default async () => [${RUNTIME('zig')}, ${RUNTIME('ada')}]\n`)
  plugin('silent-plugin', 'export const notAHook = 42\n')
  plugin('crashy-plugin', "export default async () => { throw new Error('cannot read config') }\n")
  plugin('slow-plugin', 'export default () => new Promise((resolve) => setTimeout(resolve, 5000).unref())\n')
})

after(() => fs.rmSync(root, {recursive: true, force: true}))

describe('runDiscovery / collectProviders (real oclif)', () => {
  it('reports answers, failures, time-outs and silent plugins, each named', async () => {
    process.env.NISO_HOOK_TIMEOUT_MS = '300'
    try {
      const config = await Config.load({root})
      const outcome = await runDiscovery(config, 'runtime')
      const settled = settleProviders('runtime', 'niso:runtimes', outcome)
      assert.deepEqual(
        settled.providers.map((p) => `${p.plugin}:${p.provider.id}`),
        ['good-plugin@1.2.3:ada', 'good-plugin@1.2.3:zig'],
      )
      assert.deepEqual(settled.problems, [
        'plugin crashy-plugin@1.2.3 failed in niso:runtimes: cannot read config',
        'plugin slow-plugin@1.2.3 failed in niso:runtimes: Timed out after 300 ms.',
        'plugin silent-plugin@1.2.3 declares niso:runtimes but exports no hook function',
      ])
      await assert.rejects(collectProviders(config, 'runtime'), {
        code: 'E_PLUGIN',
        message: 'plugin crashy-plugin@1.2.3 failed in niso:runtimes: cannot read config (and 2 more)',
      })
    } finally {
      delete process.env.NISO_HOOK_TIMEOUT_MS
    }
  })

  it('collects the built-in presets from the niso CLI itself', async () => {
    const config = await Config.load({root: path.join(import.meta.dirname, '../../..')})
    const presets = await collectProviders(config, 'preset')
    assert.deepEqual(
      presets.map((p) => p.provider.id),
      ['database', 'minimal', 'none', 'server', 'strict', 'worker'],
    )
    assert.ok(presets.every((p) => p.pluginName === '@niso/plugin-isolation-presets'))
  })

  it('reads the hook timeout from NISO_HOOK_TIMEOUT_MS', () => {
    assert.equal(hookTimeoutMs({}), 10_000)
    assert.equal(hookTimeoutMs({NISO_HOOK_TIMEOUT_MS: '2500'}), 2500)
    assert.equal(hookTimeoutMs({NISO_HOOK_TIMEOUT_MS: 'soon'}), 10_000)
  })
})
