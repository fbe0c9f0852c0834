import * as v from 'valibot'

import {RootfsStepSchema} from './rootfs/steps.js'

/**
 * The data a network backend exchanges with the host. The host decides (networks, addresses,
 * ports, resolved policies, file locations) and executes; a backend only describes commands,
 * unit directives and ruleset text for what the host decided.
 */

/** One command the host runs (from a companion oneshot unit); a failure is fatal unless ignored. */
export const NetCommandSchema = v.strictObject({
  argv: v.pipe(v.array(v.pipe(v.string(), v.minLength(1))), v.minLength(1, 'must name a command')),
  ignoreFailure: v.optional(v.boolean()),
})
export type NetCommand = v.InferOutput<typeof NetCommandSchema>

/** Commands to bring something up, and to take it down again (each in order). */
export const NetLifecycleSchema = v.strictObject({
  setup: v.array(NetCommandSchema),
  teardown: v.array(NetCommandSchema),
})
export type NetLifecycle = v.InferOutput<typeof NetLifecycleSchema>

/** A network as the host allocated it. */
export interface NetworkView {
  readonly name: string
  /** "10.99.0.0/24" */
  readonly subnet: string
  /** The bridge's own address, "10.99.0.1". */
  readonly gateway: string
  readonly prefix: number
  /** The bridge interface name (at most 15 characters). */
  readonly bridge: string
}

export type PortProto = 'tcp' | 'udp'

/** A host port mapped to a service port. `hostIp` limits it to one local address. */
export interface PortMapping {
  readonly hostIp?: string
  readonly hostPort: number
  readonly containerPort: number
  readonly proto: PortProto
}

/** A destination in an egress rule: an address or CIDR, and optionally one port. */
export interface PolicyTarget {
  readonly cidr: string
  readonly port?: number
}

/** A service's policy with every name already resolved to addresses by the host. */
export interface ResolvedPolicy {
  /** Sources admitted; undefined means every source. */
  readonly allowFrom?: readonly string[]
  readonly denyFrom: readonly string[]
  /** Destinations allowed; undefined means every destination. */
  readonly egressAllow?: readonly PolicyTarget[]
  readonly egressDeny: readonly PolicyTarget[]
}

/** Where and how one service is attached, as decided by the host. */
export interface Attachment {
  readonly network: NetworkView
  /** The service's address on the network. */
  readonly address: string
  readonly hostname: string
  /** The named network namespace (`/run/netns/<netns>`). */
  readonly netns: string
  /** The host side of the veth pair (at most 15 characters). */
  readonly hostIface: string
  /** The companion unit that sets up the bridge. */
  readonly bridgeUnit: string
  /** The companion unit that sets up the namespace (the service Requires= it). */
  readonly netnsUnit: string
  readonly ports: readonly PortMapping[]
  readonly policy?: ResolvedPolicy
  /** Host directory that holds the service's `hosts` file (rewritten by the host, by rename). */
  readonly hostsDir: string
  /** Host file the policy ruleset is written to; the backend's setup loads it in the namespace. */
  readonly policyFile: string
}

/** What the host needs to render the one firewall ruleset it owns. */
export interface FirewallState {
  readonly networks: readonly NetworkView[]
  readonly services: readonly {
    readonly name: string
    readonly address: string
    readonly network: string
    readonly ports: readonly PortMapping[]
  }[]
  /** The host file the ruleset is written to before `load` runs. */
  readonly file: string
}

export const NetworkPlanSchema = v.strictObject({
  unit: v.record(v.string(), v.unknown()),
  rootfs: v.array(RootfsStepSchema),
  setup: v.array(NetCommandSchema),
  teardown: v.array(NetCommandSchema),
  /** The ruleset text for `attachment.policyFile`, loaded in the namespace by `setup` and `reload`. */
  policy: v.string(),
  /** Re-applies a rewritten policy file atomically (one transaction). */
  reloadPolicy: v.array(NetCommandSchema),
})

export const FirewallPlanSchema = v.strictObject({
  /** The whole ruleset text the host writes to `state.file`. */
  ruleset: v.string(),
  /** Loads the file in one transaction (replacing what was loaded before). */
  load: v.array(NetCommandSchema),
  /** Removes everything the ruleset added. */
  unload: v.array(NetCommandSchema),
})
export type FirewallPlan = v.InferOutput<typeof FirewallPlanSchema>
