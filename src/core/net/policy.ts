import type {Manifest, PolicyTarget, ResolvedPolicy} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {formatSubnet, parseIp, parseSubnet} from './cidr.js'
import type {NetState} from './state.js'

export type ManifestPolicy = NonNullable<NonNullable<Manifest['network']>['policy']>

const NAME_RE = /^[@a-z0-9][a-z0-9._/@-]*$/

/** Checks a policy's entries at plan time: CIDRs must parse, names must be names, ports 1–65535. */
export function checkPolicy(policy: ManifestPolicy): void {
  const where = 'manifest.toml [network.policy]'
  for (const key of ['allow_from', 'deny_from'] as const) {
    for (const entry of policy[key] ?? []) source(entry, `${where} ${key}`)
  }
  for (const key of ['allow', 'deny'] as const) {
    for (const entry of policy.egress?.[key] ?? []) splitTarget(entry, `${where}.egress] ${key}`)
  }
}

/**
 * Resolves a policy's names against the current state: a network name becomes its subnet, a
 * service name (or hostname) its address; CIDRs and addresses stay. Names with nothing attached
 * resolve to nothing until they appear (the host re-resolves on every attach and detach).
 */
export function resolvePolicy(policy: ManifestPolicy | null, state: NetState): ResolvedPolicy | undefined {
  if (!policy) return undefined
  const resolve = (entry: string): string[] => {
    const kind = source(entry, 'policy')
    if (kind !== 'name') return [kind]
    const net = state.networks.find((n) => n.name === entry)
    if (net) return [net.subnet]
    return state.leases.filter((l) => l.service === entry || l.hostname === entry).map((l) => l.ip)
  }
  const targets = (entries: readonly string[] | undefined): PolicyTarget[] =>
    (entries ?? []).flatMap((e) => {
      const {host, port} = splitTarget(e, 'policy')
      return resolve(host).map((cidr) => (port === undefined ? {cidr} : {cidr, port}))
    })
  const unique = (xs: string[]) => [...new Set(xs)]
  return {
    ...(policy.allow_from ? {allowFrom: unique(policy.allow_from.flatMap(resolve))} : {}),
    denyFrom: unique((policy.deny_from ?? []).flatMap(resolve)),
    ...(policy.egress?.allow ? {egressAllow: targets(policy.egress.allow)} : {}),
    egressDeny: targets(policy.egress?.deny),
  }
}

/** A CIDR or address (normalised text), or 'name'. */
function source(entry: string, what: string): string {
  if (entry.includes('/') && /^\d/.test(entry)) return formatSubnet(parseSubnet(entry, `${what} "${entry}"`))
  if (/^\d+(\.\d+){3}$/.test(entry)) {
    if (parseIp(entry) === undefined) throw new NisoError('E_BAD_POLICY', `${what}: "${entry}" is not an IPv4 address`)
    return entry
  }
  if (!NAME_RE.test(entry)) {
    throw new NisoError('E_BAD_POLICY', `${what}: "${entry}" is not a network, service, address or CIDR`)
  }
  return 'name'
}

/** "db:5432", "10.0.0.0/8:443", "db" → host part (checked) and port. */
function splitTarget(entry: string, what: string): {host: string; port?: number} {
  const m = /^(.*?)(?::(\d+))?$/.exec(entry) as RegExpExecArray
  const host = m[1] as string
  source(host, what)
  if (m[2] === undefined) return {host}
  const port = Number(m[2])
  if (!(port >= 1 && port <= 65535)) throw new NisoError('E_BAD_POLICY', `${what}: "${entry}": port is not 1–65535`)
  return {host, port}
}
