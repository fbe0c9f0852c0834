import type {AppView, HostView, NetworkPlan, PortMapping} from '@niso/plugin-sdk'

import {type AttachPlan, type NetworkSection, checkPorts, planAttach} from '../../core/net/attach-plan.js'
import {attachmentOf} from '../../core/net/attachment.js'
import {NisoError} from '../../core/errors.js'
import type {HostSocket} from '../../core/net/host-sockets.js'
import {formatPort, parsePort} from '../../core/net/ports.js'
import type {LeaseRow, NetState} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {packageDir} from '../../core/paths.js'
import {type StateDb, readState, withState} from '../state/db.js'
import {getPackage} from '../state/packages-repo.js'
import {listServices} from '../state/services-repo.js'
import type {CheckedBackend} from './backend.js'
import {hostSockets} from './host-sockets.js'
import {assertNetLock, withNetLock} from './net-lock.js'
import {deleteLease, deleteNetwork, deletePort, insertNetwork, insertPort, putLease, readNetState} from './net-repo.js'
import {type NetEnv, type StartNetworking, reconcileNetworking, stageNetworking} from './reconcile.js'

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
 * nothing) and the backend's plan for it. `state`: the networking state when already read.
 */
export async function planServiceNetwork(
  net: NetHost,
  app: AppView,
  section: NetworkSection,
  state?: NetState,
): Promise<ServiceNetwork> {
  state ??= await readState(net.paths, readNetState)
  const attach = planAttach({
    service: app.name,
    section,
    state,
    sockets: await sectionSockets(net, section),
    now: now(),
  })
  const after = withAttach(state, attach)
  const lease = after.leases.find((l) => l.service === app.name) as LeaseRow
  const plan = await net.backend.plan({app, host: net.host, attachment: attachmentOf(net.paths, lease, after)})
  return {attach, plan, plugin: net.backend.plugin, source: net.backend.source}
}

/** A staged attachment (or detachment): `start` reloads systemd and starts the companions; `undo` puts it all back. */
export interface StagedAttachment {
  readonly start: StartNetworking
  readonly undo: () => Promise<void>
}

/** Attaches and starts at once, under the network lock (a run's attachment). */
export async function attachAndStart(net: NetHost, app: AppView, section: NetworkSection): Promise<void> {
  await withNetLock(net.paths, async () => startOrUndo(await attachService(net, app, section)))
}

/** Runs a staged attachment's `start`; if it fails, its `undo` too, and the error is rethrown. */
export async function startOrUndo(staged: StagedAttachment): Promise<void> {
  await staged.start().catch(async (error: unknown) => {
    await staged.undo().catch(() => undefined)
    throw error
  })
}

/**
 * Apply: records the attachment (re-checked under the state lock; `alsoRecord` writes in the same
 * transaction) and writes the host's files and units; the caller then runs `start` (after
 * writing units of its own, so both load together). `undo` puts the previous lease
 * back and reconciles again; it is the caller's to run if `start` fails. The caller holds the
 * network lock from here through `start` (or `undo`).
 */
export async function attachService(
  net: NetHost,
  app: AppView,
  section: NetworkSection,
  alsoRecord?: (db: StateDb) => void,
): Promise<StagedAttachment> {
  assertNetLock(net.paths, 'attachService')
  const sockets = await sectionSockets(net, section)
  const {before, after, apps} = await withState(net.paths, (db) => {
    const state = readNetState(db)
    const attach = planAttach({service: app.name, section, state, sockets, now: now()})
    if (attach.createNetwork) insertNetwork(db, attach.createNetwork)
    putLease(db, leaseOf(attach), attach.ports)
    alsoRecord?.(db)
    return {before: state, after: readNetState(db), apps: activeApps(db, net.paths)}
  })
  const env = netEnvOf(net, apps.set(app.name, app))
  const undo = () => restore(net, env, app.name, before)
  try {
    return {start: await stageNetworking(env, after, {restart: app.name}), undo}
  } catch (error) {
    await undo()
    throw error
  }
}

/**
 * Deactivate, or a version or preset without a network: frees the lease and mappings and removes
 * the service's namespace and entries; the returned undo puts them back.
 */
export async function detachService(net: NetHost, service: string): Promise<() => Promise<void>> {
  return withNetLock(net.paths, async () => {
    const {start, undo} = await stageDetach(net, service)
    await start()
    return undo
  })
}

/**
 * The staged form of `detachService` (activation, rollback): the lease is freed (`alsoRecord`
 * writes in the same transaction) and the host's files and units are rewritten (the namespace
 * unit stopped and removed); `start` reloads systemd and brings the remaining companions in line.
 * The caller holds the network lock, as for `attachService`.
 */
export async function stageDetach(
  net: NetHost,
  service: string,
  alsoRecord?: (db: StateDb) => void,
): Promise<StagedAttachment> {
  assertNetLock(net.paths, 'stageDetach')
  const {before, after, apps} = await withState(net.paths, (db) => {
    const current = readNetState(db)
    deleteLease(db, service)
    alsoRecord?.(db)
    return {before: current, after: readNetState(db), apps: activeApps(db, net.paths)}
  })
  const env = netEnvOf(net, apps)
  const undo = () => restore(net, env, service, before)
  try {
    return {start: await stageNetworking(env, after), undo}
  } catch (error) {
    await undo()
    throw error
  }
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
  const sockets = remove ? [] : await hostSockets([mapping.hostPort], [mapping.proto])
  await withNetLock(net.paths, async () => {
    const {state, apps} = await withState(net.paths, (db) => {
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
      return {state: readNetState(db), apps: activeApps(db, net.paths)}
    })
    await reconcileNetworking(netEnvOf(net, apps), state)
  })
  return `${remove ? 'Removed' : 'Added'} ${formatPort(mapping)} ${remove ? 'from' : 'to'} ${service}`
}

const sectionSocketCache = new WeakMap<NetHost, Map<string, Promise<HostSocket[]>>>()

/**
 * The host sockets a section's port mappings could clash with (none without mappings), read once
 * per NetHost, i.e. per command: an activation plans and then attaches with the same section, and
 * listing /proc/net walks the kernel's socket tables (milliseconds each on a large host).
 */
function sectionSockets(net: NetHost, section: NetworkSection): Promise<HostSocket[]> {
  const mappings = (section.ports ?? []).flatMap((spec) => {
    try {
      return [parsePort(spec, 'ports')]
    } catch {
      return [] // an invalid one is planning's to report
    }
  })
  if (mappings.length === 0) return Promise.resolve([])
  const ports = mappings.map((m) => m.hostPort)
  const protos = [...new Set(mappings.map((m) => m.proto))].sort()
  const key = `${ports.join(',')}/${protos.join(',')}`
  const cache = sectionSocketCache.get(net) ?? new Map<string, Promise<HostSocket[]>>()
  sectionSocketCache.set(net, cache)
  let hit = cache.get(key)
  if (!hit) {
    hit = hostSockets(ports, protos)
    cache.set(key, hit)
  }
  return hit
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
 * namespace unit is restarted if it changed (the service is restarted after it anyway). A network
 * not in `before` is the one the attachment created: under the network lock, held since `before`
 * was read, no other service can have joined it (and `niso net create` takes the lock too).
 */
async function restore(net: NetHost, env: NetEnv, service: string, before: NetState): Promise<void> {
  await withNetLock(net.paths, async () => {
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
  })
}

/** What reconciling gets: `net`, and `apps` (read in the same state transaction) as backends see them. */
function netEnvOf(net: NetHost, apps: ReadonlyMap<string, AppView>): NetEnv {
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

/** Apps as backends see them: the active version of each attached service. */
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
