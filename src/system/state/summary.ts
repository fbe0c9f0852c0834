import crypto from 'node:crypto'
import fs from 'node:fs'

import type {NisoPaths} from '../../core/paths.js'
import type {PackageRecord} from './packages-repo.js'

/**
 * A JSON digest of the state for read-only listings, written by every writer after its commit and
 * tied to the exact DB bytes it was made from (their sha256). A reader that finds it matching the
 * current DB file skips sql.js entirely (its WASM warm-up costs ~50 ms per process); on any
 * mismatch — a crash between commit and digest, an older niso, a hand-edited DB — the reader falls
 * back to the DB itself. The DB stays the only truth.
 */
export const SUMMARY_FORMAT = 1

export type PackageSummary = Omit<PackageRecord, 'manifest'> & {readonly active: boolean}

interface SummaryFile {
  readonly format: number
  readonly db: string
  readonly packages: PackageSummary[]
}

export function summaryFile(paths: NisoPaths): string {
  return `${paths.db}.summary.json`
}

export function sha256Of(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex')
}

/** The packages as of the current DB file, or undefined when the digest is missing or stale. */
export function readSummary(paths: NisoPaths): PackageSummary[] | undefined {
  let db: Buffer
  try {
    db = fs.readFileSync(paths.db)
  } catch {
    return undefined
  }
  try {
    const s = JSON.parse(fs.readFileSync(summaryFile(paths), 'utf8')) as SummaryFile
    return s.format === SUMMARY_FORMAT && s.db === sha256Of(db) ? s.packages : undefined
  } catch {
    return undefined
  }
}

/** Whether the digest on disk matches `dbSha256`. */
export function summaryIsCurrent(paths: NisoPaths, dbSha256: string): boolean {
  try {
    const s = JSON.parse(fs.readFileSync(summaryFile(paths), 'utf8')) as SummaryFile
    return s.format === SUMMARY_FORMAT && s.db === dbSha256
  } catch {
    return false
  }
}

/** Replaces the digest (temp + rename; no fsync: a lost digest only costs the next reader time). */
export function writeSummary(paths: NisoPaths, dbSha256: string, packages: PackageSummary[]): void {
  const file = summaryFile(paths)
  const tmp = `${file}.${process.pid}.tmp`
  try {
    fs.writeFileSync(tmp, JSON.stringify({format: SUMMARY_FORMAT, db: dbSha256, packages} satisfies SummaryFile))
    fs.renameSync(tmp, file)
  } catch {
    fs.rmSync(tmp, {force: true})
  }
}
