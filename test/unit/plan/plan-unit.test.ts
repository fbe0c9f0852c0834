import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {presets} from '@niso/plugin-isolation-presets'
import {PLUGIN_API_VERSION, ProviderError, type RuntimeProvider, defineRuntime} from '@niso/plugin-sdk'
import {testHost} from '@niso/plugin-sdk/testing'

import {parseManifest} from '../../../dist/core/manifest/parse.js'
import {nisoPaths} from '../../../dist/core/paths.js'
import {type PlanUnitInput, planUnit} from '../../../dist/core/plan/plan-unit.js'
import {staticProviders} from '../../../dist/core/plugins/static-providers.js'

const head = (name = 'app') => `[package]\nname = "${name}"\nversion = "1.2.3"\n`

function input(manifest: string, runtimes: RuntimeProvider[] = [], extra: Partial<PlanUnitInput> = {}): PlanUnitInput {
  const set = staticProviders([
    {name: '@niso/plugin-isolation-presets', version: '1.0.0', preset: presets},
    {name: 'test-runtimes', version: '9.9.9', runtime: runtimes},
  ])
  const m = parseManifest(manifest)
  return {
    manifest: m,
    packageDir: `/opt/niso/packages/${m.package.name}/1.2.3`,
    presets: set.preset,
    runtimes: set.runtime,
    host: testHost('/'),
    paths: nisoPaths('/'),
    nisoVersion: 'TEST',
    ...extra,
  }
}

const runtime = (resolve: RuntimeProvider['resolve'], id = 'toy'): RuntimeProvider =>
  defineRuntime({id, apiVersion: PLUGIN_API_VERSION, description: 'a test runtime', resolve})

describe('planUnit', () => {
  it('returns the unit with its provenance, mount points and warnings', async () => {
    const toy = runtime(() => ({
      unit: {Service: {ExecStart: ['/usr/bin/toy', 'main.toy']}},
      rootfs: [
        {kind: 'bind-ro', host: '/opt/toy/bin/toy', target: '/usr/bin/toy'},
        {kind: 'mkdir', target: '/var/toy'},
      ],
      needs: [{directive: 'ProcSubset', value: 'all', reason: 'reads /proc/meminfo'}],
    }))
    const plan = await planUnit(
      input(
        `${head('@acme/toy-app')}[runtime]\nuse = "toy:1"\ninit = true\n[service]\nuser = "toy"\n[volumes]\ndata = { mount = "/data" }\n[labels]\nteam = "core"\n`,
        [toy],
      ),
    )
    assert.equal(plan.unitName, 'niso-acme-toy-app.service')
    assert.deepEqual(plan.runtime, {id: 'toy', version: '1'})
    assert.deepEqual(plan.preset, {id: 'server', chain: ['server'], exposureBudget: 1})
    assert.deepEqual(plan.contributors, ['niso@TEST', '@niso/plugin-isolation-presets@1.0.0', 'test-runtimes@9.9.9'])
    assert.deepEqual(plan.relaxations, [
      {directive: 'ProcSubset', value: 'all', reason: 'reads /proc/meminfo', by: 'runtime "toy"'},
    ])
    assert.equal(plan.fragment.Service.ProcSubset, 'all')
    assert.deepEqual(plan.mountPoints, ['/app', '/data', '/usr/bin/toy'])
    assert.deepEqual(
      plan.rootfs.map((s) => s.target),
      ['/usr/bin/toy', '/var/toy'],
    )
    assert.deepEqual(plan.labels, {team: 'core'})
    assert.deepEqual(plan.warnings, [
      '[runtime] init = true adds nothing: systemd already reaps orphaned processes and signals every process of the service on stop',
      'manifest.toml [service] user = "toy": runs as a dynamic user named "toy", or as the host\'s static user "toy" if one exists',
    ])
    assert.deepEqual(plan.sources.ProcSubset, ['runtime "toy" (relaxation)'])
    assert.match(plan.text, /^RootDirectory=\/opt\/niso\/rootfs\/@acme\/toy-app$/m)
    assert.match(plan.text, /^BindPaths=\/var\/lib\/niso\/volumes\/data:\/data$/m)
    assert.match(plan.text, /^Label=team=core$/m)
  })

  it('merges host extras and a network contribution under the same rules', async () => {
    const plan = await planUnit(
      input(`${head()}[binary]\nentrypoint = "app"\n`, [], {
        rootDirectory: '/srv/roots/app',
        extra: [{phase: 'host', source: 'niso (health gate)', fragment: {Service: {ExecStartPost: ['+/gate 5000']}}}],
        network: {
          plugin: 'net@1.0.0',
          source: 'net (network "bridge")',
          unit: {Service: {NetworkNamespacePath: '/run/netns/niso-app', IPAddressAllow: ['10.88.0.0/16']}},
          rootfs: [{kind: 'bind-ro', host: '/run/niso/app/hosts', target: '/etc/hosts'}],
        },
      }),
    )
    assert.equal(plan.fragment.Service.RootDirectory, '/srv/roots/app')
    assert.deepEqual(plan.fragment.Service.ExecStartPost, ['+/gate 5000'])
    assert.equal(plan.fragment.Service.NetworkNamespacePath, '/run/netns/niso-app')
    assert.ok((plan.fragment.Service.BindReadOnlyPaths as string[]).includes('/run/niso/app/hosts:/etc/hosts'))
    assert.deepEqual(plan.contributors, ['niso@TEST', '@niso/plugin-isolation-presets@1.0.0', 'net@1.0.0'])
  })

  it('hands the runtime a frozen context, so it cannot change the manifest the host plans with', async () => {
    const meddler = runtime((ctx) => {
      ;(ctx.app.manifest.package as {name: string}).name = 'hijacked'
      return {unit: {Service: {ExecStart: '/x'}}, rootfs: []}
    })
    await assert.rejects(planUnit(input(`${head()}[runtime]\nuse = "toy:1"\n`, [meddler])), {
      code: 'E_RUNTIME',
      message: /^runtime "toy" \(test-runtimes@9\.9\.9\) failed to plan: Cannot assign to read only property 'name'/,
    })
  })

  it("shows a provider's own error as the user's error, whichever copy of the SDK the plugin brings", async () => {
    // A plugin with its own copy of the SDK has another ProviderError class, with the same brand.
    class OtherCopyProviderError extends Error {
      readonly code = 'E_TOY_VERSION'
      readonly hint = 'install toy 1 first'
      constructor(message: string) {
        super(message)
        Object.defineProperty(this, Symbol.for('niso.plugin-sdk.ProviderError'), {value: true})
      }
    }
    for (const make of [
      (m: string) => new ProviderError('E_TOY_VERSION', m, {hint: 'install toy 1 first'}),
      (m: string) => new OtherCopyProviderError(m),
    ]) {
      const failing = runtime(() => {
        throw make('toy 1 is not installed')
      })
      await assert.rejects(planUnit(input(`${head()}[runtime]\nuse = "toy:1"\n`, [failing])), {
        code: 'E_TOY_VERSION',
        message: 'toy 1 is not installed',
        hint: 'install toy 1 first',
      })
    }
  })

  it('refuses an invalid runtime plan, naming the runtime and the field', async () => {
    const escaping = runtime(() => ({
      unit: {Service: {ExecStart: '/x'}},
      rootfs: [{kind: 'bind-ro', host: '/etc/shadow', target: '/../etc/shadow'}],
    }))
    await assert.rejects(planUnit(input(`${head()}[runtime]\nuse = "toy:1"\n`, [escaping])), {
      message: 'runtime "toy" (test-runtimes@9.9.9) returned an invalid plan: rootfs.0.target: must not contain ".."',
    })
    const silent = runtime(() => ({unit: {}, rootfs: []}))
    await assert.rejects(planUnit(input(`${head()}[runtime]\nuse = "toy:1"\n`, [silent])), {
      code: 'E_NO_EXECSTART',
      message: 'runtime "toy" (test-runtimes@9.9.9) set no ExecStart=; the unit would not start',
    })
  })

  it('places a bare compiled entrypoint in bin/, or at the package root when only that exists', async () => {
    const manifest = `${head()}[binary]\nentrypoint = "app"\nargs = ["--name", "two words"]\n`
    const inBin = await planUnit(input(manifest))
    assert.deepEqual(inBin.fragment.Service.ExecStart, ['/app/bin/app', '--name', 'two words'])
    assert.match(inBin.text, /^ExecStart=\/app\/bin\/app --name "two words"$/m)
    const atRoot = await planUnit(input(manifest, [], {hasFile: (p) => p === 'app'}))
    assert.deepEqual(atRoot.fragment.Service.ExecStart, ['/app/app', '--name', 'two words'])
  })
})
