import {
  type IsolationPreset,
  PLUGIN_API_VERSION,
  type RuntimeProvider,
  type UnitFragment,
  definePreset,
  defineRuntime,
} from '@niso/plugin-sdk'

/**
 * Providers that exist only to make the golden tests reach each conflict the merge must refuse:
 * a plugin owning what it may not, clashing, loosening directly, widening the syscall filter,
 * misspelling a directive, or building an `extends` chain that cannot resolve. They load with
 * every case (as a plugin would) and matter only where a manifest selects them.
 */
export const FIXTURE_PLUGIN = {name: 'niso-golden-fixtures', version: '0.0.0'}

const runtime = (id: string, description: string, unit: UnitFragment): RuntimeProvider =>
  defineRuntime({
    id,
    apiVersion: PLUGIN_API_VERSION,
    description,
    resolve: () => ({
      unit: {...unit, Service: {ExecStart: ['/usr/bin/fixture', 'serve'], ...unit.Service}},
      rootfs: [],
    }),
  })

export const fixtureRuntimes: RuntimeProvider[] = [
  runtime('fixture-root', 'sets RootDirectory=, which belongs to the host', {
    Service: {RootDirectory: '/srv/elsewhere'},
  }),
  runtime('fixture-env', 'sets PORT=9000, clashing with a manifest that sets another PORT', {
    Service: {Environment: ['PORT=9000']},
  }),
  runtime('fixture-loosen', 'sets ProtectSystem=no directly instead of asking for a relaxation', {
    Service: {ProtectSystem: 'no'},
  }),
  runtime('fixture-filter', 'adds an allow line to the preset syscall filter', {
    Service: {SystemCallFilter: ['@mount']},
  }),
]

const preset = (id: string, description: string, unit: UnitFragment, extra: Partial<IsolationPreset> = {}) =>
  definePreset({id, apiVersion: PLUGIN_API_VERSION, description, unit, ...extra})

export const fixturePresets: IsolationPreset[] = [
  preset('typo', 'misspells ProtectSystem', {Service: {ProtectSytem: 'strict'}}, {extends: 'server'}),
  preset('cycle-a', 'extends cycle-b, which extends it back', {}, {extends: 'cycle-b'}),
  preset('cycle-b', 'extends cycle-a', {}, {extends: 'cycle-a'}),
  preset('orphan', 'extends a preset nobody provides', {}, {extends: 'hardened'}),
]
