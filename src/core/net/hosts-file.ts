/** A peer as discovery lists it. */
export interface Peer {
  readonly address: string
  readonly hostname: string
}

export const DISCOVERY_DOMAIN = 'niso.local'

/**
 * A service's /etc/hosts: localhost, itself, then every peer on its network as
 * `<ip> <hostname>.niso.local <hostname>` (sorted by hostname, so rewrites are stable).
 * `systemHostname` is the name gethostname() returns inside the service (systemd 252 cannot give
 * it a UTS name of its own): listed as an alias of the service's address, so that libraries which
 * resolve their own host name (Python's http.server, Java's InetAddress.getLocalHost) answer at
 * once instead of waiting on DNS timeouts.
 */
export function renderHosts(self: Peer, peers: readonly Peer[], systemHostname?: string): string {
  const lines = ['127.0.0.1\tlocalhost', '::1\tlocalhost ip6-localhost ip6-loopback']
  const own = systemHostname && systemHostname !== self.hostname ? ` ${systemHostname}` : ''
  lines.push(`${self.address}\t${self.hostname}.${DISCOVERY_DOMAIN} ${self.hostname}${own}`)
  for (const p of [...peers].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
    lines.push(`${p.address}\t${p.hostname}.${DISCOVERY_DOMAIN} ${p.hostname}`)
  }
  return `${lines.join('\n')}\n`
}
