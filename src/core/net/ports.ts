import {PORT_RE, type PortMapping} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {parseIp} from './cidr.js'

/** "8080:80", "8080:80/udp" or "127.0.0.1:8080:80/tcp" → a mapping; `what` names the field. */
export function parsePort(spec: string, what: string): PortMapping {
  const m = PORT_RE.exec(spec)
  if (!m) {
    throw new NisoError(
      'E_BAD_PORT',
      `${what}: "${spec}" must be "host:container", "host:container/udp" or "ip:host:container"`,
    )
  }
  const [, hostIp, host, container, proto] = m
  const hostPort = portNumber(host as string, spec, what)
  const containerPort = portNumber(container as string, spec, what)
  if (hostIp !== undefined && parseIp(hostIp) === undefined) {
    throw new NisoError('E_BAD_PORT', `${what}: "${spec}": ${hostIp} is not an IPv4 address`)
  }
  return {...(hostIp === undefined ? {} : {hostIp}), hostPort, containerPort, proto: proto === 'udp' ? 'udp' : 'tcp'}
}

function portNumber(text: string, spec: string, what: string): number {
  const n = Number(text)
  if (!(n >= 1 && n <= 65535)) throw new NisoError('E_BAD_PORT', `${what}: "${spec}": port ${text} is not 1–65535`)
  return n
}

/** "8080:80/tcp" or "127.0.0.1:8080:80/udp": the canonical text of a mapping. */
export function formatPort(p: PortMapping): string {
  return `${p.hostIp === undefined ? '' : `${p.hostIp}:`}${p.hostPort}:${p.containerPort}/${p.proto}`
}

/** Whether two mappings want the same host port (same protocol, and the same or a wildcard address). */
export function portsClash(a: PortMapping, b: PortMapping): boolean {
  return (
    a.hostPort === b.hostPort &&
    a.proto === b.proto &&
    (a.hostIp === undefined || b.hostIp === undefined || a.hostIp === b.hostIp)
  )
}
