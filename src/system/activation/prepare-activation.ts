import {existsSync} from 'node:fs'
import path from 'node:path'

import {type AppView, type IsolationPreset, type Manifest, resolvePreset} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {type NetworkInput, planActivation} from '../../core/activation/plan-activation.js'
import {NisoError} from '../../core/errors.js'
import {formatPort} from '../../core/net/ports.js'
import type {NisoPaths} from '../../core/paths.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import type {Provided} from '../../core/plugins/provided.js'
import {DEFAULT_PRESET} from '../../core/plan/plan-unit.js'
import {type NetHost, planServiceNetwork} from '../net/attach.js'
import {netHost} from '../net/net-host.js'
import {installedVersion} from '../store/installed-version.js'
import {hostView} from './host-view.js'

/** The activation plan, and the network backend it was planned with when the service joins one. */
export interface PreparedActivation {
  readonly plan: ActivationPlan
  readonly net?: NetHost
}

/**
 * Gathers what planning needs (the installed package, its manifest, every plugin's presets,
 * runtimes and network backend, a read-only view of the host; all read at once) and returns the
 * activation plan for NAME [VERSION]; without VERSION, the newest installed one.
 */
export async function prepareActivation(
  config: Config,
  paths: NisoPaths,
  name: string,
  version?: string,
): Promise<PreparedActivation> {
  // The backend is only awaited (and its absence only an error) when the service joins a network.
  const backend = netHost(config, paths)
  backend.catch(() => undefined)
  const [{dir, manifest}, presets, runtimes] = await Promise.all([
    installedVersion(paths, name, version),
    collectProviders(config, 'preset'),
    collectProviders(config, 'runtime'),
  ])
  const host = hostView(paths)
  const app = {name: manifest.package.name, version: manifest.package.version, dir, manifest}
  const net = joinsNetwork(manifest, presets) ? await backend : undefined
  const network = net ? await networkInput(net, app, manifest.network ?? {}) : undefined
  const root = process.env.NISO_ROOT
  const plan = await planActivation({
    manifest,
    packageDir: dir,
    paths,
    host,
    ...(network ? {network} : {}),
    presets,
    runtimes,
    hasFile: (rel) => existsSync(path.join(dir, rel)),
    healthGate: {node: process.execPath, script: path.join(config.root, 'dist', 'health-gate', 'wait-healthy.js')},
    nisoCommand: [path.join(config.root, 'bin', 'niso')],
    nisoEnv: root && path.resolve(root) !== '/' ? {NISO_ROOT: path.resolve(root)} : {},
    nisoVersion: config.version,
  })
  return net ? {plan, net} : {plan}
}

/**
 * Every service joins a network (niso-default unless [network] names another), except under a
 * preset that asks for no network at all (PrivateNetwork=yes, as `strict` does): there the
 * service keeps its own loopback-only namespace and [network] is refused.
 */
function joinsNetwork(manifest: Manifest, presets: readonly Provided<IsolationPreset>[]): boolean {
  const id = manifest.isolation?.preset ?? DEFAULT_PRESET
  let preset
  try {
    preset = resolvePreset(
      id,
      presets.map((p) => p.provider),
    )
  } catch {
    return true // an unknown or broken preset: planning the unit reports it
  }
  const isolated = preset.unit.Service?.PrivateNetwork === 'yes'
  if (isolated && manifest.network) {
    throw new NisoError(
      'E_NETWORK_REFUSED',
      `manifest.toml [network]: preset "${id}" runs services without any network (PrivateNetwork=yes)`,
    )
  }
  return !isolated
}

async function networkInput(
  net: NetHost,
  app: AppView,
  section: NonNullable<Manifest['network']>,
): Promise<NetworkInput> {
  const {attach, plan, plugin, source} = await planServiceNetwork(net, app, section)
  return {
    plugin,
    source,
    unit: plan.unit,
    rootfs: plan.rootfs,
    ...(typeof plan.unit.Service?.NetworkNamespacePath === 'string'
      ? {netnsPath: plan.unit.Service.NetworkNamespacePath}
      : {}),
    summary: {
      section,
      network: attach.network.name,
      subnet: attach.network.subnet,
      address: attach.address,
      hostname: attach.hostname,
      ports: attach.ports.map(formatPort),
    },
  }
}
