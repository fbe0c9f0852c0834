import {existsSync} from 'node:fs'
import path from 'node:path'

import type {AppView, Manifest} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {serviceLayout} from '../../core/activation/layout.js'
import {type NetworkInput, planActivation} from '../../core/activation/plan-activation.js'
import {joinsNetwork} from '../../core/net/joins-network.js'
import {formatPort} from '../../core/net/ports.js'
import type {NetState} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import {type NetHost, planServiceNetwork} from '../net/attach.js'
import {netHost} from '../net/net-host.js'
import {readNetState} from '../net/net-repo.js'
import {readState} from '../state/db.js'
import {listPackages} from '../state/packages-repo.js'
import {type ServiceRecord, getService} from '../state/services-repo.js'
import {pickVersion} from '../store/installed-version.js'
import {nisoInvocation} from '../niso-invocation.js'
import {hostView} from './host-view.js'
import {type LiveUnit, liveUnit} from './live-unit.js'

/** The activation plan, and the network backend (when one is installed) that applying it uses. */
export interface PreparedActivation {
  readonly plan: ActivationPlan
  readonly net?: NetHost
  /** What the activation starts from, read while planning. */
  readonly before: ActivationStart
}

export interface ActivationStart {
  /** The app as planned (its manifest parsed). */
  readonly app: AppView
  /** The service's row in the state, if it was ever activated. */
  readonly record: ServiceRecord | undefined
  /** Whether the service holds a network lease. */
  readonly attached: boolean
  /** The service's unit as systemd holds it. */
  readonly unit: LiveUnit
}

/**
 * Gathers what planning needs (the installed package, its manifest, every plugin's presets,
 * runtimes and network backend, the state's service and network rows, a read-only view of the
 * host, the unit as systemd holds it; all read at once) and returns the activation plan for
 * NAME [VERSION]; without VERSION, the newest installed one.
 */
export async function prepareActivation(
  config: Config,
  paths: NisoPaths,
  name: string,
  version?: string,
): Promise<PreparedActivation> {
  // The backend is read at once; its absence is an error only when the service joins a network.
  const backend = netHost(config, paths)
  backend.catch(() => undefined)
  const unit = liveUnit(serviceLayout(paths, name).unitName)
  const [state, presets, runtimes] = await Promise.all([
    readState(paths, (db) => ({
      installed: listPackages(db, name),
      record: getService(db, name),
      net: readNetState(db),
    })),
    collectProviders(config, 'preset'),
    collectProviders(config, 'runtime'),
  ])
  const {dir, manifest} = pickVersion(paths, state.installed, name, version)
  const host = hostView(paths)
  const app = {name: manifest.package.name, version: manifest.package.version, dir, manifest}
  // A version without a network still gets the backend when there is one: applying it detaches.
  const joins = joinsNetwork(manifest, presets)
  const net = joins ? await backend : await backend.catch(() => undefined)
  const network = joins && net ? await networkInput(net, app, manifest.network ?? {}, state.net) : undefined
  const niso = nisoInvocation(config)
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
    nisoCommand: niso.command,
    nisoEnv: niso.env,
    nisoVersion: config.version,
  })
  const before = {
    app,
    record: state.record,
    attached: state.net.leases.some((l) => l.service === app.name),
    unit: await unit,
  }
  return net ? {plan, net, before} : {plan, before}
}

async function networkInput(
  net: NetHost,
  app: AppView,
  section: NonNullable<Manifest['network']>,
  state: NetState,
): Promise<NetworkInput> {
  const {attach, plan, plugin, source} = await planServiceNetwork(net, app, section, state)
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
