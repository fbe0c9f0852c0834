import type {PolicyTarget, ResolvedPolicy} from '@niso/plugin-sdk'

import {chain, replaceTable} from './ruleset.js'

/** The table niso loads inside each service's namespace. */
export const POLICY_TABLE = 'inet niso_policy'

/**
 * A service's policy as one table in its own namespace (one `nft -f` transaction, like the host
 * table). Ingress: deny_from drops, then the gateway (the host, and every mapped port reached
 * from it) and allow_from are admitted, and everything else is dropped when allow_from is given.
 * Egress: deny drops, and when allow is given only those destinations pass. Replies to admitted
 * connections always pass. Without a policy both chains accept everything.
 */
export function policyRuleset(gateway: string, policy: ResolvedPolicy | undefined): string {
  const base = ['ct state established,related accept']
  const input = [...base, 'iifname "lo" accept']
  const output = [...base, 'oifname "lo" accept']
  if (policy) {
    if (policy.denyFrom.length) input.push(`ip saddr { ${policy.denyFrom.join(', ')} } drop`)
    if (policy.allowFrom) {
      input.push(`ip saddr ${gateway} accept`)
      if (policy.allowFrom.length) input.push(`ip saddr { ${policy.allowFrom.join(', ')} } accept`)
      input.push('drop')
    }
    output.push(...policy.egressDeny.map((t) => `${target(t)} drop`))
    if (policy.egressAllow) {
      output.push(...policy.egressAllow.map((t) => `${target(t)} accept`), 'drop')
    }
  }
  return replaceTable(POLICY_TABLE, [
    chain('input', 'type filter hook input priority filter; policy accept;', input),
    chain('output', 'type filter hook output priority filter; policy accept;', output),
  ])
}

function target(t: PolicyTarget): string {
  return t.port === undefined ? `ip daddr ${t.cidr}` : `ip daddr ${t.cidr} meta l4proto { tcp, udp } th dport ${t.port}`
}
