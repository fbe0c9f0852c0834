import type {Manifest, NetworkView, PortMapping} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {unitBaseName} from '../unit/name.js'
import {broadcastOf, contains, formatIp, gatewayOf, parseIp, parseSubnet} from './cidr.js'
import type {HostSocket} from './host-sockets.js'
import {DEFAULT_NETWORK, DEFAULT_SUBNET, bridgeName} from './names.js'
import {type ManifestPolicy, checkPolicy} from './policy.js'
import {formatPort, parsePort, portsClash} from './ports.js'
import {type NetState, type NetworkRow, networkView} from './state.js'

export type NetworkSection = NonNullable<Manifest['network']>

/** Where a service will be attached, decided from the state and the host's bound sockets. */
export interface AttachPlan {
  readonly service: string
  readonly network: NetworkView
  /** The network row to insert first (the default network, on first use). */
  readonly createNetwork?: NetworkRow
  readonly address: string
  readonly hostname: string
  /** The manifest's mappings (port-forwards added later are kept as they are). */
  readonly ports: readonly PortMapping[]
  readonly policy: ManifestPolicy | null
}

const WHERE = 'manifest.toml [network]'

/**
 * Plans a service's attachment, failing with one line at plan time: unknown network, a static
 * ip outside the subnet or taken, a hostname taken on the network, a host port mapped by another
 * service or bound by a host process. A service keeps its lease across versions and rollbacks.
 */
export function planAttach(input: {
  readonly service: string
  readonly section: NetworkSection
  readonly state: NetState
  readonly sockets: readonly HostSocket[]
  readonly now: string
}): AttachPlan {
  const {service, section, state} = input
  const netName = section.network ?? DEFAULT_NETWORK
  let row = state.networks.find((n) => n.name === netName)
  let createNetwork: NetworkRow | undefined
  if (!row) {
    if (netName !== DEFAULT_NETWORK) {
      const known = state.networks.map((n) => n.name).join(', ') || 'none'
      throw new NisoError('E_UNKNOWN_NETWORK', `${WHERE} network: unknown network "${netName}" (known: ${known})`, {
        hint: `niso net create ${netName}`,
      })
    }
    createNetwork = {name: netName, subnet: DEFAULT_SUBNET, bridge: bridgeName(netName), createdAt: input.now}
    row = createNetwork
  }
  const network = networkView(row)
  const others = state.leases.filter((l) => l.service !== service && l.network === netName)
  const hostname = section.hostname ?? unitBaseName(service).replace(/^niso-/, '')
  const sameName = others.find((l) => l.hostname === hostname)
  if (sameName) {
    throw new NisoError(
      'E_HOSTNAME_TAKEN',
      `${WHERE} hostname: "${hostname}" is already used by ${sameName.service} on network "${netName}"`,
    )
  }
  const address = chooseAddress(
    row,
    section.ip,
    others,
    state.leases.find((l) => l.service === service),
  )
  const ports = (section.ports ?? []).map((p, i) => parsePort(p, `${WHERE} ports[${i}]`))
  checkPorts(service, ports, state, input.sockets)
  if (section.policy) checkPolicy(section.policy)
  return {
    service,
    network,
    ...(createNetwork ? {createNetwork} : {}),
    address,
    hostname,
    ports,
    policy: section.policy ?? null,
  }
}

function chooseAddress(
  row: NetworkRow,
  wanted: string | undefined,
  others: NetState['leases'],
  own: NetState['leases'][number] | undefined,
): string {
  const subnet = parseSubnet(row.subnet, `network "${row.name}"`)
  const taken = new Set(others.map((l) => parseIp(l.ip)))
  if (wanted !== undefined) {
    const ip = parseIp(wanted) as number
    const why = !contains(subnet, ip)
      ? `is outside network "${row.name}" (${row.subnet})`
      : ip === subnet.base || ip === broadcastOf(subnet)
        ? `is the network or broadcast address of ${row.subnet}`
        : ip === gatewayOf(subnet)
          ? `is the gateway of network "${row.name}"`
          : taken.has(ip)
            ? `is leased to ${others.find((l) => l.ip === wanted)?.service} on network "${row.name}"`
            : undefined
    if (why) throw new NisoError('E_BAD_IP', `${WHERE} ip: ${wanted} ${why}`)
    return wanted
  }
  if (own && own.network === row.name) return own.ip
  for (let ip = gatewayOf(subnet) + 1; ip < broadcastOf(subnet); ip++) {
    if (!taken.has(ip)) return formatIp(ip)
  }
  throw new NisoError('E_NETWORK_FULL', `network "${row.name}" (${row.subnet}) has no free address`)
}

/** Every mapping must be free: not twice in the manifest, not another service's, not bound on the host. */
export function checkPorts(
  service: string,
  ports: readonly PortMapping[],
  state: NetState,
  sockets: readonly HostSocket[],
): void {
  const mapped = state.ports.filter((p) => p.service !== service)
  ports.forEach((p, i) => {
    const dup = ports.slice(0, i).find((q) => portsClash(p, q))
    const other = mapped.find((q) => portsClash(p, q.mapping))
    const bound = sockets.find((s) =>
      portsClash(p, {hostPort: s.port, containerPort: 0, proto: s.proto, ...(s.ip ? {hostIp: s.ip} : {})}),
    )
    const holder = dup
      ? `${formatPort(dup)} earlier in the list`
      : other
        ? `${other.service} (${formatPort(other.mapping)})`
        : bound?.holder
    if (holder !== undefined) {
      throw new NisoError(
        'E_PORT_TAKEN',
        `${WHERE} ports: host port ${p.hostPort}/${p.proto} is already taken by ${holder}`,
      )
    }
  })
}
