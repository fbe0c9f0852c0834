import type {AppView, HostView, NetworkPlan, PortMapping} from '@niso/plugin-sdk'

import {type AttachPlan, type NetworkSection, checkPorts, planAttach} from '../../core/net/attach-plan.js'
import {attachmentOf} from '../../core/net/attachment.js'
import {NisoError} from '../../core/errors.js'
import {formatPort} from '../../core/net/ports.js'
import type {LeaseRow, NetState} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {packageDir} from '../../core/paths.js'
import {type StateDb, readState, withState} from '../state/db.js'
import {getPackage} from '../state/packages-repo.js'
import {listServices} from '../state/services-repo.js'
import type {CheckedBackend} from './backend.js'
import {hostSockets} from './host-sockets.js'
import {deleteLease, deleteNetwork, deletePort, insertNetwork, insertPort, putLease, readNetState} from './net-repo.js'
import {type NetEnv, reconcileNetworking} from './reconcile.js'

/** Where networking runs: the niso paths, the backend and the host view plans get. */
export interface NetHost {
  readonly paths: NisoPaths
  readonly backend: CheckedBackend
  readonly host: HostView
}

/** A service's planned attachment and what the backend makes of it (unit directives, rootfs). */
export interface ServiceNetwork {
  readonly attach: AttachPlan
  readonly plan: NetworkPlan
  readonly plugin: string
  readonly source: string
}

const now = () => new Date().toISOString()

/**
 * Plan time: where `app` would attach (every check that can fail does so here, changing
 * nothing) and the backend's plan for it.
 */
export async function planServiceNetwork(net: NetHost, app: AppView, section: NetworkSection): Promise<ServiceNetwork> {
  const [state, sockets] = await Promise.all([readState(net.paths, readNetState), hostSockets()])
  const attach = planAttach({service: app.name, section, state, sockets, now: now()})
  const after = withAttach(state, attach)
  const lease = after.leases.find((l) => l.service === app.name) as LeaseRow
  const plan = await net.backend.plan({app, host: net.host, attachment: attachmentOf(net.paths, lease, after)})
  return {attach, plan, plugin: net.backend.plugin, source: net.backend.source}
}

/**
 * Apply: records the attachment (re-checked under the state lock) and reconciles the host; the
 * returned undo puts the previous lease back and reconciles again.
 */
export async function attachService(net: NetHost, app: AppView, section: NetworkSection): Promise<() => Promise<void>> {
  const sockets = await hostSockets()
  const before = await withState(net.paths, (db) => {
    const state = readNetState(db)
    const attach = planAttach({service: app.name, section, state, sockets, now: now()})
    if (attach.createNetwork) insertNetwork(db, attach.createNetwork)
    putLease(db, leaseOf(attach), attach.ports)
    return state
  })
  const env = await netEnv(net, app)
  try {
    await reconcileNetworking(env, await readState(net.paths, readNetState), {restart: app.name})
  } catch (error) {
    await restore(net, env, app.name, before)
    throw error
  }
  return () => restore(net, env, app.name, before)
}

/**
 * Deactivate, or a version or preset without a network: frees the lease and mappings and removes
 * the service's namespace and entries; the returned undo puts them back.
 */
export async function detachService(net: NetHost, service: string): Promise<() => Promise<void>> {
  const [before, state] = await withState(net.paths, (db) => {
    const current = readNetState(db)
    deleteLease(db, service)
    return [current, readNetState(db)] as const
  })
  const env = await netEnv(net)
  await reconcileNetworking(env, state)
  return () => restore(net, env, service, before)
}

/** Whether the service holds a lease. */
export async function isAttached(paths: NisoPaths, service: string): Promise<boolean> {
  return readState(paths, (db) => readNetState(db).leases.some((l) => l.service === service))
}

/** `niso port-forward`: adds (or removes) a mapping to an attached service, one ruleset reload. */
export async function portForward(
  net: NetHost,
  service: string,
  mapping: PortMapping,
  remove: boolean,
): Promise<string> {
  const sockets = remove ? [] : await hostSockets()
  const state = await withState(net.paths, (db) => {
    const current = readNetState(db)
    if (!current.leases.some((l) => l.service === service)) {
      throw new NisoError('E_NOT_ATTACHED', `${service} is not attached to a network (is it active?)`)
    }
    if (remove) {
      if (!deletePort(db, service, mapping)) {
        throw new NisoError('E_NO_SUCH_PORT', `${service} has no mapping ${formatPort(mapping)}`)
      }
    } else {
      checkPorts(service, [mapping], current, sockets)
      if (current.ports.some((p) => p.service === service && formatPort(p.mapping) === formatPort(mapping))) {
        throw new NisoError('E_PORT_TAKEN', `${service} already maps ${formatPort(mapping)}`)
      }
      insertPort(db, {service, mapping, origin: 'forward'})
    }
    return readNetState(db)
  })
  await reconcileNetworking(await netEnv(net), state)
  return `${remove ? 'Removed' : 'Added'} ${formatPort(mapping)} ${remove ? 'from' : 'to'} ${service}`
}

/** The state with `attach` applied, as the backend will see it. */
function withAttach(state: NetState, attach: AttachPlan): NetState {
  return {
    networks: attach.createNetwork ? [...state.networks, attach.createNetwork] : state.networks,
    leases: [...state.leases.filter((l) => l.service !== attach.service), leaseOf(attach)],
    ports: [
      ...state.ports.filter((p) => !(p.service === attach.service && p.origin === 'manifest')),
      ...attach.ports.map((mapping) => ({service: attach.service, mapping, origin: 'manifest' as const})),
    ],
  }
}

function leaseOf(a: AttachPlan): LeaseRow {
  return {service: a.service, network: a.network.name, ip: a.address, hostname: a.hostname, policy: a.policy}
}

/**
 * Puts a service's lease and mappings back as they were in `before`, then reconciles; its
 * namespace unit is restarted if it changed (the service is restarted after it anyway).
 */
async function restore(net: NetHost, env: NetEnv, service: string, before: NetState): Promise<void> {
  const state = await withState(net.paths, (db) => {
    deleteLease(db, service)
    const old = before.leases.find((l) => l.service === service)
    if (old) {
      putLease(db, old, [])
      db.run('DELETE FROM ports WHERE service = ?', [service])
      for (const p of before.ports.filter((p) => p.service === service)) insertPort(db, p)
    }
    const current = readNetState(db)
    for (const n of current.networks) {
      if (!before.networks.some((b) => b.name === n.name)) deleteNetwork(db, n.name)
    }
    return readNetState(db)
  })
  await reconcileNetworking(env, state, {restart: service})
}

/** Apps as backends see them: the active version of each attached service (plus one being activated). */
async function netEnv(net: NetHost, activating?: AppView): Promise<NetEnv> {
  const apps = await readState(net.paths, (db) => activeApps(db, net.paths))
  if (activating) apps.set(activating.name, activating)
  return {
    ...net,
    appOf: (service) =>
      apps.get(service) ?? {
        name: service,
        version: '0.0.0',
        dir: '/',
        manifest: {package: {name: service, version: '0.0.0'}},
      },
  }
}

function activeApps(db: StateDb, paths: NisoPaths): Map<string, AppView> {
  const out = new Map<string, AppView>()
  for (const s of listServices(db)) {
    const record = s.currentVersion ? getPackage(db, s.name, s.currentVersion) : undefined
    if (!record) continue
    const dir = packageDir(paths, record.name, record.version)
    out.set(s.name, {name: record.name, version: record.version, dir, manifest: parseManifest(record.manifest)})
  }
  return out
}
