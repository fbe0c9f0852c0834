import {NisoError} from '../errors.js'
import {type Subnet, formatSubnet, overlaps, parseSubnet} from './cidr.js'
import {DEFAULT_NETWORK, DEFAULT_SUBNET, NETWORK_NAME_RE, bridgeName} from './names.js'
import type {NetState, NetworkRow} from './state.js'

/**
 * The row `niso net create NAME [--subnet CIDR]` inserts: the name must be new and valid, the
 * subnet (given, or the next free 10.99.N.0/24) must not overlap another network's, and the
 * bridge name must not collide with another network's.
 */
export function planNetwork(state: NetState, name: string, subnet: string | undefined, now: string): NetworkRow {
  if (!NETWORK_NAME_RE.test(name)) {
    throw new NisoError('E_BAD_NETWORK', `network name "${name}" must be 1–31 lowercase letters, digits or "-"`)
  }
  if (state.networks.some((n) => n.name === name)) {
    throw new NisoError('E_NETWORK_EXISTS', `network "${name}" already exists`)
  }
  const taken = [
    ...state.networks.map((n) => ({name: n.name, subnet: parseSubnet(n.subnet, `network "${n.name}"`)})),
    // The default network's range stays reserved even before its first use.
    ...(state.networks.some((n) => n.name === DEFAULT_NETWORK)
      ? []
      : [{name: DEFAULT_NETWORK, subnet: parseSubnet(DEFAULT_SUBNET, 'default network')}]),
  ]
  let chosen: Subnet | undefined
  if (subnet === undefined) {
    for (let n = 0; n < 256 && !chosen; n++) {
      const s = parseSubnet(`10.99.${n}.0/24`, 'subnet')
      if (!taken.some((t) => overlaps(t.subnet, s))) chosen = s
    }
    if (!chosen) throw new NisoError('E_NO_SUBNET', 'no free 10.99.N.0/24 subnet is left; pass --subnet')
  } else {
    chosen = parseSubnet(subnet, '--subnet')
    const wanted = chosen
    const clash = taken.find((t) => overlaps(t.subnet, wanted))
    if (clash) {
      throw new NisoError(
        'E_SUBNET_OVERLAP',
        `--subnet ${subnet} overlaps network "${clash.name}" (${formatSubnet(clash.subnet)})`,
      )
    }
  }
  const bridge = bridgeName(name)
  const sameBridge = state.networks.find((n) => n.bridge === bridge)
  if (sameBridge) {
    throw new NisoError('E_NETWORK_EXISTS', `bridge ${bridge} of network "${name}" is taken by "${sameBridge.name}"`)
  }
  return {name, subnet: formatSubnet(chosen), bridge, createdAt: now}
}
