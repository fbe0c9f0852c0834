import type {PortMapping} from '@niso/plugin-sdk'

import type {ManifestPolicy} from '../../core/net/policy.js'
import type {LeaseRow, NetState, NetworkRow, PortOrigin, PortRow} from '../../core/net/state.js'
import type {StateDb} from '../state/db.js'

/** The networking tables (networks, leases, ports) read whole: they stay small. */
export function readNetState(db: StateDb): NetState {
  const rows = (sql: string) => (db.exec(sql)[0]?.values ?? []) as (string | number)[][]
  return {
    networks: rows('SELECT name, subnet, bridge, created_at FROM networks ORDER BY name').map(
      ([name, subnet, bridge, createdAt]) => ({name, subnet, bridge, createdAt}) as NetworkRow,
    ),
    leases: rows('SELECT service, network, ip, hostname, policy FROM leases ORDER BY service').map(
      ([service, network, ip, hostname, policy]) =>
        ({service, network, ip, hostname, policy: JSON.parse(String(policy)) as ManifestPolicy | null}) as LeaseRow,
    ),
    ports: rows(
      'SELECT service, host_ip, host_port, container_port, proto, origin FROM ports ORDER BY service, host_port, proto',
    ).map(([service, hostIp, hostPort, containerPort, proto, origin]) => ({
      service: String(service),
      mapping: {
        ...(hostIp ? {hostIp: String(hostIp)} : {}),
        hostPort: Number(hostPort),
        containerPort: Number(containerPort),
        proto: proto as PortMapping['proto'],
      },
      origin: origin as PortOrigin,
    })),
  }
}

export function insertNetwork(db: StateDb, row: NetworkRow): void {
  db.run('INSERT INTO networks (name, subnet, bridge, created_at) VALUES (?, ?, ?, ?)', [
    row.name,
    row.subnet,
    row.bridge,
    row.createdAt,
  ])
}

export function deleteNetwork(db: StateDb, name: string): void {
  db.run('DELETE FROM networks WHERE name = ?', [name])
}

/** Sets a service's lease and its manifest mappings (its port-forwards stay). */
export function putLease(db: StateDb, lease: LeaseRow, manifestPorts: readonly PortMapping[]): void {
  db.run(
    `INSERT INTO leases (service, network, ip, hostname, policy) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (service) DO UPDATE SET network = excluded.network, ip = excluded.ip,
     hostname = excluded.hostname, policy = excluded.policy`,
    [lease.service, lease.network, lease.ip, lease.hostname, JSON.stringify(lease.policy)],
  )
  db.run("DELETE FROM ports WHERE service = ? AND origin = 'manifest'", [lease.service])
  for (const p of manifestPorts) insertPort(db, {service: lease.service, mapping: p, origin: 'manifest'})
}

/** Frees a service's lease and every mapping to it. */
export function deleteLease(db: StateDb, service: string): void {
  db.run('DELETE FROM leases WHERE service = ?', [service])
  db.run('DELETE FROM ports WHERE service = ?', [service])
}

export function insertPort(db: StateDb, row: PortRow): void {
  const p = row.mapping
  db.run('INSERT INTO ports (service, host_ip, host_port, container_port, proto, origin) VALUES (?, ?, ?, ?, ?, ?)', [
    row.service,
    p.hostIp ?? '',
    p.hostPort,
    p.containerPort,
    p.proto,
    row.origin,
  ])
}

/** Removes one mapping of a service; true when there was one. */
export function deletePort(db: StateDb, service: string, p: PortMapping): boolean {
  db.run('DELETE FROM ports WHERE service = ? AND host_ip = ? AND host_port = ? AND container_port = ? AND proto = ?', [
    service,
    p.hostIp ?? '',
    p.hostPort,
    p.containerPort,
    p.proto,
  ])
  return db.getRowsModified() > 0
}
