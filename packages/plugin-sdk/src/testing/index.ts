import type {Manifest} from '../manifest/schema.js'
import type {AppView, HostView, RuntimeContext} from '../providers.js'
import {type FakeHostOptions, fakeProbe} from './probe.js'

export {FAKE_GLIBC_CLOSURE, type FakeHostOptions, type FakeRuntime, fakeProbe} from './probe.js'

/** Helpers for plugin authors' tests: frozen contexts like the ones the host hands to providers. */

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key])
  }
  return value
}

/** A frozen host view rooted at `root`, whose probe answers from `options` (see fakeProbe). */
export function testHost(root = '/', options: FakeHostOptions = {}): HostView {
  const base = root.replace(/\/$/, '')
  const runtimes = `${base}/opt/niso/runtimes`
  return deepFreeze({
    arch: 'x86_64',
    paths: {root, runtimes, packages: `${base}/opt/niso/packages`},
    probe: fakeProbe(runtimes, options),
  })
}

export function testApp(
  manifest: Manifest,
  dir = `/opt/niso/packages/${manifest.package.name}/${manifest.package.version}`,
): AppView {
  return deepFreeze({name: manifest.package.name, version: manifest.package.version, dir, manifest})
}

export function runtimeContext(
  manifest: Manifest,
  runtime: {id: string; version: string},
  host: HostView = testHost(),
): RuntimeContext {
  return deepFreeze({app: testApp(manifest), runtime, host})
}
