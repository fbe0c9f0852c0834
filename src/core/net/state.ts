import type {FirewallState, NetworkView, PortMapping} from '@niso/plugin-sdk'

import type {ManifestPolicy} from './policy.js'
import {formatIp, gatewayOf, parseSubnet} from './cidr.js'

/** Rows of the networking tables, as the planners read them. */
export interface NetworkRow {
  readonly name: string
  readonly subnet: string
  readonly bridge: string
  readonly createdAt: string
}

/** A service's place on a network: its lease, hostname and policy as the manifest wrote it. */
export interface LeaseRow {
  readonly service: string
  readonly network: string
  readonly ip: string
  readonly hostname: string
  readonly policy: ManifestPolicy | null
}

export type PortOrigin = 'manifest' | 'forward'

export interface PortRow {
  readonly service: string
  readonly mapping: PortMapping
  readonly origin: PortOrigin
}

export interface NetState {
  readonly networks: readonly NetworkRow[]
  readonly leases: readonly LeaseRow[]
  readonly ports: readonly PortRow[]
}

export function networkView(row: NetworkRow): NetworkView {
  const subnet = parseSubnet(row.subnet, `network "${row.name}"`)
  return {
    name: row.name,
    subnet: row.subnet,
    gateway: formatIp(gatewayOf(subnet)),
    prefix: subnet.prefix,
    bridge: row.bridge,
  }
}

/** Networks with at least one attached service: the ones whose bridges exist. */
export function activeNetworks(state: NetState): NetworkRow[] {
  const used = new Set(state.leases.map((l) => l.network))
  return state.networks.filter((n) => used.has(n.name))
}

/** What the firewall renders: networks in use and every attached service's mappings. */
export function firewallState(state: NetState, file: string): FirewallState {
  return {
    networks: activeNetworks(state).map(networkView),
    services: state.leases.map((l) => ({
      name: l.service,
      address: l.ip,
      network: l.network,
      ports: state.ports.filter((p) => p.service === l.service).map((p) => p.mapping),
    })),
    file,
  }
}
