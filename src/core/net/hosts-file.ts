/** A peer as discovery lists it. */
export interface Peer {
  readonly address: string
  readonly hostname: string
}

export const DISCOVERY_DOMAIN = 'niso.local'

/**
 * A service's /etc/hosts: localhost, itself, then every peer on its network as
 * `<ip> <hostname>.niso.local <hostname>` (sorted by hostname, so rewrites are stable).
 */
export function renderHosts(self: Peer, peers: readonly Peer[]): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback']
  for (const p of [self, ...[...peers].sort((a, b) => a.hostname.localeCompare(b.hostname))]) {
    lines.push(`${p.address}\t${p.hostname}.${DISCOVERY_DOMAIN} ${p.hostname}`)
  }
  return `${lines.join('\n')}\n`
}
