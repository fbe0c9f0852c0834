import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import type {RootfsLayout} from '../../core/activation/rootfs-layout.js'
import {NisoError, messageOf} from '../../core/errors.js'

/**
 * Builds a rootfs skeleton from a layout in a fresh staging directory and renames it into place,
 * so a rootfs is either complete or absent. Mount points are created for every bind (a directory
 * or an empty file, matching the source), since systemd binds onto existing paths inside
 * RootDirectory. Returns an undo that removes what it made. The skeleton is a few dozen small
 * directories and files, made synchronously: an await per entry costs more than the entry.
 */
export async function assembleRootfs(dest: string, layout: RootfsLayout): Promise<() => Promise<void>> {
  const staging = `${dest}.staging-${randomBytes(4).toString('hex')}`
  fs.mkdirSync(path.dirname(dest), {recursive: true, mode: 0o755})
  try {
    fs.mkdirSync(staging, {mode: 0o755})
    const inside = (target: string) => path.join(staging, target)
    for (const d of layout.dirs) fs.mkdirSync(inside(d.target), {recursive: true, mode: d.mode})
    for (const b of layout.binds) mountPoint(b.source, inside(b.target), b.optional)
    for (const f of layout.files) {
      fs.mkdirSync(path.dirname(inside(f.target)), {recursive: true, mode: 0o755})
      fs.writeFileSync(inside(f.target), f.content, {mode: f.mode, flag: 'wx'})
      fs.chmodSync(inside(f.target), f.mode)
    }
    for (const s of layout.symlinks) {
      fs.mkdirSync(path.dirname(inside(s.target)), {recursive: true, mode: 0o755})
      fs.symlinkSync(s.linkTo, inside(s.target))
    }
    fs.chmodSync(staging, 0o755)
    fs.rmSync(dest, {recursive: true, force: true})
    fs.renameSync(staging, dest)
  } catch (error) {
    fs.rmSync(staging, {recursive: true, force: true})
    if (error instanceof NisoError) throw error
    throw new NisoError('E_ROOTFS', `cannot assemble rootfs ${dest}: ${messageOf(error)}`)
  }
  return async () => {
    fs.rmSync(dest, {recursive: true, force: true})
  }
}

function mountPoint(source: string, target: string, optional: boolean): void {
  let isDir: boolean
  try {
    isDir = fs.statSync(source).isDirectory()
  } catch {
    if (optional) return
    throw new NisoError('E_ROOTFS', `bind source ${source} does not exist on this host`)
  }
  if (isDir) {
    fs.mkdirSync(target, {recursive: true, mode: 0o755})
    return
  }
  fs.mkdirSync(path.dirname(target), {recursive: true, mode: 0o755})
  try {
    fs.closeSync(fs.openSync(target, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY, 0o644))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}
