import {NisoError} from '../../core/errors.js'
import {planNetwork} from '../../core/net/create-network.js'
import {formatPort} from '../../core/net/ports.js'
import {type NetState, type NetworkRow, networkView} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {readState, withState} from '../state/db.js'
import {run} from '../systemd/run.js'
import {deleteNetwork, insertNetwork, readNetState} from './net-repo.js'
import {withNetLock} from './net-lock.js'

export interface NetworkSummary {
  readonly name: string
  readonly subnet: string
  readonly gateway: string
  readonly bridge: string
  readonly services: readonly {
    readonly name: string
    readonly ip: string
    readonly hostname: string
    readonly ports: readonly string[]
  }[]
}

/**
 * `niso net create`: a new network row (its bridge comes up with its first service). Under the
 * network lock, so an activation that is undoing the network it created never removes this one.
 */
export async function createNetwork(paths: NisoPaths, name: string, subnet: string | undefined): Promise<NetworkRow> {
  return withNetLock(paths, () =>
    withState(paths, (db) => {
      const row = planNetwork(readNetState(db), name, subnet, new Date().toISOString())
      insertNetwork(db, row)
      return row
    }),
  )
}

/** `niso net remove`: refused while a service is attached. */
export async function removeNetwork(paths: NisoPaths, name: string): Promise<void> {
  await withState(paths, (db) => {
    const state = readNetState(db)
    if (!state.networks.some((n) => n.name === name)) throw new NisoError('E_UNKNOWN_NETWORK', `no network "${name}"`)
    const users = state.leases.filter((l) => l.network === name).map((l) => l.service)
    if (users.length) {
      throw new NisoError('E_NETWORK_IN_USE', `network "${name}" is in use by ${users.join(', ')}`, {
        hint: `niso deactivate ${users[0]}`,
      })
    }
    deleteNetwork(db, name)
  })
}

export async function listNetworks(paths: NisoPaths): Promise<NetworkSummary[]> {
  const state = await readState(paths, readNetState)
  return state.networks.map((n) => summary(state, n))
}

export async function inspectNetwork(paths: NisoPaths, name: string): Promise<NetworkSummary> {
  const state = await readState(paths, readNetState)
  const row = state.networks.find((n) => n.name === name)
  if (!row) throw new NisoError('E_UNKNOWN_NETWORK', `no network "${name}"`, {hint: 'niso net list'})
  return summary(state, row)
}

export interface PortRowView {
  readonly service: string
  readonly host: string
  readonly container: string
  readonly proto: string
  readonly origin: string
}

export async function listPorts(paths: NisoPaths): Promise<PortRowView[]> {
  const state = await readState(paths, readNetState)
  return state.ports.map((p) => {
    const ip = state.leases.find((l) => l.service === p.service)?.ip ?? '?'
    return {
      service: p.service,
      host: `${p.mapping.hostIp ?? '0.0.0.0'}:${p.mapping.hostPort}`,
      container: `${ip}:${p.mapping.containerPort}`,
      proto: p.mapping.proto,
      origin: p.origin,
    }
  })
}

/** The live ruleset niso owns (`nft list table inet niso`), or '' when none is loaded. */
export async function liveRules(): Promise<string> {
  const r = await run('nft', ['list', 'table', 'inet', 'niso'])
  if (r.code === 0) return r.stdout
  if (/No such file or directory/.test(r.stderr)) return ''
  throw new NisoError('E_NFT', `nft list table inet niso: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`)
}

function summary(state: NetState, n: NetworkRow): NetworkSummary {
  const view = networkView(n)
  return {
    name: n.name,
    subnet: n.subnet,
    gateway: view.gateway,
    bridge: n.bridge,
    services: state.leases
      .filter((l) => l.network === n.name)
      .map((l) => ({
        name: l.service,
        ip: l.ip,
        hostname: l.hostname,
        ports: state.ports.filter((p) => p.service === l.service).map((p) => formatPort(p.mapping)),
      })),
  }
}
