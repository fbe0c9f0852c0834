import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {packageFileName} from '../../core/package/format.js'
import {readState} from '../state/db.js'
import {type PackageRecord, getPackage} from '../state/packages-repo.js'
import {fsyncDir, tempPathFor} from '../state/durable.js'
import {archivePath} from './layout.js'
import {notInstalled} from './remove.js'
import {writeAllSync} from '../write-all.js'

/**
 * `niso export NAME:VERSION -o FILE`: the archive kept at install, byte for byte. Copied to a temp
 * file beside FILE, checked against the recorded sha256 while copying, then renamed into place.
 */
export interface ExportResult {
  readonly name: string
  readonly version: string
  readonly file: string
  readonly sha256: string
  readonly size: number
}

export async function exportPackage(
  paths: NisoPaths,
  name: string,
  version: string,
  output: string | undefined,
): Promise<ExportResult> {
  const row = await readState(paths, (db) => getPackage(db, name, version))
  if (!row) throw notInstalled(name, version)
  let file = path.resolve(output ?? packageFileName(row.name, row.version, row.arch))
  if (isDirectory(file)) file = path.join(file, packageFileName(row.name, row.version, row.arch))
  const source = archivePath(paths, name, version)
  const tmp = tempPathFor(file)
  try {
    const sha256 = await copyVerified(source, tmp, row)
    fs.renameSync(tmp, file)
    fsyncDir(path.dirname(file))
    return {name, version, file, sha256, size: row.size}
  } catch (error) {
    fs.rmSync(tmp, {force: true})
    if (error instanceof NisoError) throw error
    throw new NisoError('E_EXPORT', `${file}: cannot write (${messageOf(error)})`)
  }
}

async function copyVerified(source: string, tmp: string, row: PackageRecord): Promise<string> {
  const hash = crypto.createHash('sha256')
  let input: fs.ReadStream
  try {
    fs.accessSync(source, fs.constants.R_OK)
    input = fs.createReadStream(source, {highWaterMark: 1024 * 1024})
  } catch (error) {
    throw new NisoError(
      'E_EXPORT',
      `${source}: the kept archive of ${row.name} ${row.version} is unreadable (${messageOf(error)})`,
    )
  }
  const fd = fs.openSync(tmp, 'wx', 0o644)
  try {
    for await (const chunk of input) {
      const buf = chunk as Buffer
      hash.update(buf)
      writeAllSync(fd, buf)
    }
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  const sha256 = hash.digest('hex')
  if (sha256 !== row.sha256) {
    throw new NisoError(
      'E_EXPORT',
      `${source}: the kept archive of ${row.name} ${row.version} is damaged (sha256 ${sha256.slice(0, 12)}…, recorded ${row.sha256.slice(0, 12)}…)`,
    )
  }
  return sha256
}

function isDirectory(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory()
  } catch {
    return false
  }
}
