import type {FirewallState, PortMapping} from '@niso/plugin-sdk'

/** The one table niso owns on the host. */
export const TABLE = 'inet niso'

/**
 * The whole `inet niso` table as one `nft -f` transaction: declaring the table, deleting it and
 * declaring it again is atomic, so a reload never leaves a moment without rules and never
 * touches other tables.
 *
 * - prerouting/output (dstnat): each mapping DNATs a local address (or its bound IP) to the
 *   service; the output chain covers connections made on the host itself (127.0.0.1:PORT).
 * - postrouting (srcnat): egress of each subnet leaving through another interface is
 *   masqueraded, as is DNATed traffic from 127.0.0.0/8 (so replies come back to the bridge).
 * - forward: traffic between two different niso bridges is dropped.
 */
export function firewallRuleset(state: FirewallState): string {
  const dnat = state.services.flatMap((s) =>
    [...s.ports].sort(byPort).map((p) => `${match(p)} dnat ip to ${s.address}:${p.containerPort}`),
  )
  const bridges = state.networks.map((n) => n.bridge)
  const postrouting = state.networks.flatMap((n) => [
    `ip saddr 127.0.0.0/8 oifname "${n.bridge}" ct status dnat masquerade`,
    `ip saddr ${n.subnet} oifname != "${n.bridge}" masquerade`,
  ])
  const forward = [
    'ct state established,related accept',
    ...bridges
      .filter(() => bridges.length > 1)
      .map((b) => `iifname "${b}" oifname { ${set(bridges.filter((o) => o !== b))} } drop`),
  ]
  return replaceTable(TABLE, [
    chain('prerouting', 'type nat hook prerouting priority dstnat; policy accept;', dnat),
    chain('output', 'type nat hook output priority -100; policy accept;', dnat),
    chain('postrouting', 'type nat hook postrouting priority srcnat; policy accept;', postrouting),
    chain('forward', 'type filter hook forward priority filter; policy accept;', forward),
  ])
}

/** One atomic `nft -f` text: declare the table (so the delete cannot fail), delete it, declare it anew. */
export function replaceTable(table: string, chains: readonly string[]): string {
  return [`table ${table} {}`, `delete table ${table}`, `table ${table} {`, ...chains, '}', ''].join('\n')
}

/**
 * The port first: a new connection to any other port (every connection the host makes or
 * forwards passes these chains) fails each rule on one compare, before the route lookup of
 * `fib daddr type local`.
 */
function match(p: PortMapping): string {
  const dest = p.hostIp === undefined ? 'fib daddr type local' : `ip daddr ${p.hostIp}`
  return `${p.proto} dport ${p.hostPort} ${dest}`
}

function byPort(a: PortMapping, b: PortMapping): number {
  return a.hostPort - b.hostPort || a.proto.localeCompare(b.proto)
}

function set(names: readonly string[]): string {
  return names.map((n) => `"${n}"`).join(', ')
}

export function chain(name: string, head: string, rules: readonly string[]): string {
  return [`\tchain ${name} {`, `\t\t${head}`, ...rules.map((r) => `\t\t${r}`), '\t}'].join('\n')
}
