import fs from 'node:fs'
import path from 'node:path'

import {presets} from '@niso/plugin-isolation-presets'
import {runtimes as nodeRuntimes} from '@niso/plugin-runtime-nodejs'
import {runtimes as pythonRuntimes} from '@niso/plugin-runtime-python'
import type {HostView} from '@niso/plugin-sdk'
import {testHost} from '@niso/plugin-sdk/testing'

import type {ProviderSet} from '../../dist/core/plugins/provided.js'
import {staticProviders} from '../../dist/core/plugins/static-providers.js'
import {FIXTURE_PLUGIN, fixturePresets, fixtureRuntimes} from './fixtures.ts'

/**
 * What the golden units are planned with: the built-in plugins' exported providers (loaded
 * without oclif but validated, sorted and frozen exactly as discovery does), the third-party
 * fixture plugin (Perl runtime, "acme-strict" preset extending strict), the conflict fixtures,
 * and a fake host with Node 20.20.2, Python 3.11.2 and a host perl.
 */
const ROOT = path.join(import.meta.dirname, '../..')
const ACME = path.join(ROOT, 'test/fixtures/plugins/niso-plugin-acme')

/** A workspace plugin's name@version, from its package.json (Contributors= shows the real version). */
function plugin(dir: string): {name: string; version: string} {
  const pjson = JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as {
    name: string
    version: string
  }
  return {name: pjson.name, version: pjson.version}
}

export async function goldenProviders(): Promise<ProviderSet> {
  // Plain .js modules of a plugin that only has the SDK: imported by path, as oclif would.
  const acmePresets = (await import(path.join(ACME, 'hooks/presets.js'))) as {acmeStrict: unknown}
  const acmeRuntimes = (await import(path.join(ACME, 'hooks/runtimes.js'))) as {perl: unknown}
  return staticProviders([
    {...plugin('plugins/isolation-presets'), preset: presets},
    {...plugin('plugins/runtime-nodejs'), runtime: nodeRuntimes},
    {...plugin('plugins/runtime-python'), runtime: pythonRuntimes},
    {
      ...plugin('test/fixtures/plugins/niso-plugin-acme'),
      preset: [acmePresets.acmeStrict],
      runtime: [acmeRuntimes.perl],
    },
    {...FIXTURE_PLUGIN, preset: fixturePresets, runtime: fixtureRuntimes},
  ])
}

export function goldenHost(): HostView {
  return testHost('/', {
    runtimes: [
      {id: 'nodejs', version: '20.20.2', binary: 'bin/node'},
      {id: 'python', version: '3.11.2', binary: 'bin/python3.11'},
    ],
    executables: {perl: '/usr/bin/perl'},
  })
}
