import type {PortProto} from '@niso/plugin-sdk'

/** A socket bound on the host (in niso's network namespace), as /proc/net lists it. */
export interface HostSocket {
  readonly proto: PortProto
  /** undefined for a wildcard bind (0.0.0.0 or ::). */
  readonly ip?: string
  readonly port: number
  /** Who holds it: "nginx (pid 123)", or "a host process" when unknown. */
  readonly holder: string
  readonly inode: string
}

const TCP_LISTEN = '0A'

/**
 * Parses one /proc/net/{tcp,tcp6,udp,udp6} table: listening TCP sockets and bound UDP ones.
 * IPv6 addresses other than the wildcard are reported as bound to an IPv6 address (never a
 * clash with an IPv4 mapping address, always with a wildcard one).
 */
export function parseProcNet(text: string, proto: PortProto, v6: boolean): Omit<HostSocket, 'holder'>[] {
  const out: Omit<HostSocket, 'holder'>[] = []
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/)
    if (cols.length < 10) continue
    const [addr, portHex] = (cols[1] as string).split(':') as [string, string]
    const state = cols[3]
    if (proto === 'tcp' && state !== TCP_LISTEN) continue
    const port = Number.parseInt(portHex, 16)
    if (port === 0) continue
    const wildcard = /^0+$/.test(addr)
    const ip = wildcard ? undefined : v6 ? `[${addr}]` : littleEndianIp(addr)
    out.push({proto, ...(ip === undefined ? {} : {ip}), port, inode: cols[9] as string})
  }
  return out
}

function littleEndianIp(hex: string): string {
  const bytes = (hex.match(/../g) ?? []).map((b) => Number.parseInt(b, 16))
  return bytes.reverse().join('.')
}
