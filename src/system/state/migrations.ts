/**
 * The state DB's schema history. Each migration runs once, in order, inside a transaction that
 * also sets `PRAGMA user_version` to its version. Append new ones; never edit a shipped one.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'packages, services and the event history',
    sql: `
      CREATE TABLE packages (
        name          TEXT NOT NULL,
        version       TEXT NOT NULL,
        arch          TEXT NOT NULL,
        sha256        TEXT NOT NULL,            -- of the .niso archive, as kept in the archives dir
        size          INTEGER NOT NULL,         -- archive bytes
        unpacked_size INTEGER NOT NULL,
        file_count    INTEGER NOT NULL,
        signed_by     TEXT,                     -- key id whose signature verified, NULL otherwise
        trust         TEXT NOT NULL CHECK (trust IN ('verified', 'unsigned', 'unverified')),
        manifest      TEXT NOT NULL,            -- manifest.toml, verbatim
        labels        TEXT NOT NULL DEFAULT '{}', -- JSON object
        installed_at  TEXT NOT NULL,            -- ISO 8601, UTC
        PRIMARY KEY (name, version)
      );
      CREATE INDEX packages_by_sha256 ON packages (sha256);
      CREATE TABLE services (
        name             TEXT PRIMARY KEY,
        current_version  TEXT,
        previous_version TEXT,
        activated_at     TEXT
      );
      CREATE TABLE events (
        id      INTEGER PRIMARY KEY AUTOINCREMENT,
        at      TEXT NOT NULL,
        kind    TEXT NOT NULL,                  -- install, remove, gc, activate, ...
        name    TEXT,
        version TEXT,
        detail  TEXT NOT NULL DEFAULT '{}'      -- JSON object
      );
      CREATE INDEX events_by_name ON events (name, id);
    `,
  },
  {
    version: 2,
    name: 'health of each service, as recorded by its periodic check',
    sql: `
      CREATE TABLE health (
        service     TEXT PRIMARY KEY,
        status      TEXT NOT NULL CHECK (status IN ('healthy', 'unhealthy', 'starting')),
        failures    INTEGER NOT NULL DEFAULT 0,  -- consecutive failed probes
        last_check  TEXT NOT NULL,               -- ISO 8601, UTC
        last_detail TEXT NOT NULL DEFAULT ''
      );
    `,
  },
  {
    version: 3,
    name: 'networks, address leases and port mappings',
    sql: `
      CREATE TABLE networks (
        name       TEXT PRIMARY KEY,
        subnet     TEXT NOT NULL UNIQUE,          -- IPv4 CIDR, e.g. 10.99.0.0/24
        bridge     TEXT NOT NULL UNIQUE,          -- interface name, at most 15 characters
        created_at TEXT NOT NULL
      );
      CREATE TABLE leases (
        service  TEXT PRIMARY KEY,               -- one attachment per service
        network  TEXT NOT NULL REFERENCES networks (name),
        ip       TEXT NOT NULL,
        hostname TEXT NOT NULL,
        policy   TEXT NOT NULL DEFAULT 'null',   -- [network.policy] as JSON, names unresolved
        UNIQUE (network, ip)
      );
      CREATE TABLE ports (
        service        TEXT NOT NULL,
        host_ip        TEXT NOT NULL DEFAULT '',  -- '' for every local address
        host_port      INTEGER NOT NULL,
        container_port INTEGER NOT NULL,
        proto          TEXT NOT NULL CHECK (proto IN ('tcp', 'udp')),
        origin         TEXT NOT NULL CHECK (origin IN ('manifest', 'forward')),
        PRIMARY KEY (host_ip, host_port, proto)
      );
    `,
  },
]

export const SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0
