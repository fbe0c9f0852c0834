import type {StateDb} from './db.js'

/** Rows of the `packages` table: one per installed (name, version). */
export type Trust = 'verified' | 'unsigned' | 'unverified'

export interface PackageRecord {
  readonly name: string
  readonly version: string
  readonly arch: string
  /** SHA-256 of the .niso archive kept in the archives dir. */
  readonly sha256: string
  readonly size: number
  readonly unpackedSize: number
  readonly fileCount: number
  readonly signedBy: string | null
  readonly trust: Trust
  readonly manifest: string
  readonly labels: Readonly<Record<string, string>>
  readonly installedAt: string
}

const COLUMNS =
  'name, version, arch, sha256, size, unpacked_size, file_count, signed_by, trust, manifest, labels, installed_at'

type Row = [string, string, string, string, number, number, number, string | null, Trust, string, string, string]

function fromRow(r: Row): PackageRecord {
  const [name, version, arch, sha256, size, unpackedSize, fileCount, signedBy, trust, manifest, labels, installedAt] = r
  return {
    name,
    version,
    arch,
    sha256,
    size,
    unpackedSize,
    fileCount,
    signedBy,
    trust,
    manifest,
    labels: JSON.parse(labels) as Record<string, string>,
    installedAt,
  }
}

function select(db: StateDb, where: string, params: Array<string | number>): PackageRecord[] {
  return query(db, `SELECT ${COLUMNS} FROM packages ${where}`, params).map((r) => fromRow(r as Row))
}

function query(db: StateDb, sql: string, params: Array<string | number>): unknown[][] {
  const stmt = db.prepare(sql)
  try {
    stmt.bind(params)
    const out: unknown[][] = []
    while (stmt.step()) out.push(stmt.get())
    return out
  } finally {
    stmt.free()
  }
}

export function insertPackage(db: StateDb, p: PackageRecord): void {
  db.run(`INSERT INTO packages (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
    p.name,
    p.version,
    p.arch,
    p.sha256,
    p.size,
    p.unpackedSize,
    p.fileCount,
    p.signedBy,
    p.trust,
    p.manifest,
    JSON.stringify(p.labels),
    p.installedAt,
  ])
}

export function getPackage(db: StateDb, name: string, version: string): PackageRecord | undefined {
  return select(db, 'WHERE name = ? AND version = ?', [name, version])[0]
}

export function findPackagesBySha256(db: StateDb, sha256: string): PackageRecord[] {
  return select(db, 'WHERE sha256 = ? ORDER BY name, version', [sha256])
}

/** Every installed package, by name then install order. */
export function listPackages(db: StateDb, name?: string): PackageRecord[] {
  return name === undefined
    ? select(db, 'ORDER BY name, installed_at, version', [])
    : select(db, 'WHERE name = ? ORDER BY installed_at, version', [name])
}

/** Every installed package with whether its service runs that version, in one statement. */
export function listPackagesWithStatus(db: StateDb): Array<PackageRecord & {active: boolean}> {
  const cols = COLUMNS.split(', ')
    .map((c) => `p.${c}`)
    .join(', ')
  const rows = query(
    db,
    `SELECT ${cols}, s.current_version IS p.version FROM packages p LEFT JOIN services s ON s.name = p.name
     ORDER BY p.name, p.installed_at, p.version`,
    [],
  )
  return rows.map((r) => ({...fromRow(r.slice(0, -1) as Row), active: r.at(-1) === 1}))
}

export function deletePackage(db: StateDb, name: string, version: string): boolean {
  db.run('DELETE FROM packages WHERE name = ? AND version = ?', [name, version])
  return db.getRowsModified() > 0
}
