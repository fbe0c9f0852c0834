import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import {currentProcess, formatTag} from './process-identity.js'
import {writeAllSync} from '../write-all.js'

/**
 * Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over the
 * target (atomic on one filesystem), then fsync the directory so the rename itself survives a
 * power cut. A reader sees the old file or the new one, never a mix.
 */
export function writeFileDurable(file: string, data: Uint8Array, mode = 0o644): void {
  const tmp = tempPathFor(file)
  try {
    const fd = fs.openSync(tmp, 'wx', mode)
    try {
      writeAllSync(fd, data)
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
    fs.renameSync(tmp, file)
  } catch (error) {
    fs.rmSync(tmp, {force: true})
    throw error
  }
  fsyncDir(path.dirname(file))
}

/** `.<name>.<pid>-<start>.<random>.tmp` beside `file`: recognisable as a temp, and whose. */
export function tempPathFor(file: string): string {
  const rand = crypto.randomBytes(4).toString('hex')
  return path.join(path.dirname(file), `.${path.basename(file)}.${formatTag(currentProcess())}.${rand}.tmp`)
}

export function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r')
  try {
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
}
