import {NisoError} from '../errors.js'

/** An IPv4 subnet as numbers: `base` is the network address, `prefix` its length. */
export interface Subnet {
  readonly base: number
  readonly prefix: number
}

const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/

/** "10.0.0.1" → its 32-bit value, or undefined when it is not a dotted IPv4 address. */
export function parseIp(text: string): number | undefined {
  const m = IPV4_RE.exec(text)
  if (!m) return undefined
  const parts = m.slice(1).map(Number)
  if (parts.some((p) => p > 255)) return undefined
  return parts.reduce((acc, p) => acc * 256 + p, 0)
}

export function formatIp(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.')
}

/** "10.99.0.0/24" → subnet; `what` names the field for the one-line error. */
export function parseSubnet(text: string, what: string): Subnet {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text)
  const base = m ? parseIp(m[1] as string) : undefined
  const prefix = m ? Number(m[2]) : NaN
  if (base === undefined || !(prefix >= 8 && prefix <= 30)) {
    throw new NisoError('E_BAD_CIDR', `${what}: "${text}" is not an IPv4 CIDR like 10.99.1.0/24 (prefix 8–30)`)
  }
  if (base % size(prefix) !== 0) {
    throw new NisoError(
      'E_BAD_CIDR',
      `${what}: "${text}" has host bits set (the network is ${formatIp(base - (base % size(prefix)))}/${prefix})`,
    )
  }
  return {base, prefix}
}

export function formatSubnet(s: Subnet): string {
  return `${formatIp(s.base)}/${s.prefix}`
}

/** Number of addresses in a subnet of this prefix. */
export function size(prefix: number): number {
  return 2 ** (32 - prefix)
}

export function contains(s: Subnet, ip: number): boolean {
  return ip >= s.base && ip < s.base + size(s.prefix)
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base < b.base + size(b.prefix) && b.base < a.base + size(a.prefix)
}

/** The bridge's own address: the first one in the subnet. */
export function gatewayOf(s: Subnet): number {
  return s.base + 1
}

export function broadcastOf(s: Subnet): number {
  return s.base + size(s.prefix) - 1
}
