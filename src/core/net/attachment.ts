import type {Attachment} from '@niso/plugin-sdk'

import type {NisoPaths} from '../paths.js'
import {bridgeUnitName, hostIfaceName, netLayout, netnsName, netnsUnitName} from './names.js'
import {resolvePolicy} from './policy.js'
import {type LeaseRow, type NetState, networkView} from './state.js'

/** The attachment a backend plans from: a lease with its network, ports, resolved policy and files. */
export function attachmentOf(paths: NisoPaths, lease: LeaseRow, state: NetState): Attachment {
  const row = state.networks.find((n) => n.name === lease.network)
  if (!row) throw new Error(`lease of ${lease.service} names unknown network ${lease.network}`)
  const layout = netLayout(paths)
  const policy = resolvePolicy(lease.policy, state)
  return {
    network: networkView(row),
    address: lease.ip,
    hostname: lease.hostname,
    netns: netnsName(lease.service),
    hostIface: hostIfaceName(lease.service),
    bridgeUnit: bridgeUnitName(row.name),
    netnsUnit: netnsUnitName(lease.service),
    ports: state.ports.filter((p) => p.service === lease.service).map((p) => p.mapping),
    ...(policy ? {policy} : {}),
    hostsDir: layout.hostsDir(lease.service),
    policyFile: layout.policyFile(lease.service),
  }
}
