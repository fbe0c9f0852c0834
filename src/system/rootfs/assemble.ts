import {randomBytes} from 'node:crypto'
import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

import type {RootfsLayout} from '../../core/activation/rootfs-layout.js'
import {NisoError, messageOf} from '../../core/errors.js'

/**
 * Builds a rootfs skeleton from a layout in a fresh staging directory and renames it into place,
 * so a rootfs is either complete or absent. Mount points are created for every bind (a directory
 * or an empty file, matching the source), since systemd binds onto existing paths inside
 * RootDirectory. Returns an undo that removes what it made.
 */
export async function assembleRootfs(dest: string, layout: RootfsLayout): Promise<() => Promise<void>> {
  const staging = `${dest}.staging-${randomBytes(4).toString('hex')}`
  await fs.mkdir(path.dirname(dest), {recursive: true, mode: 0o755})
  try {
    await fs.mkdir(staging, {mode: 0o755})
    const inside = (target: string) => path.join(staging, target)
    for (const d of layout.dirs) await fs.mkdir(inside(d.target), {recursive: true, mode: d.mode})
    for (const b of layout.binds) await mountPoint(b.source, inside(b.target), b.optional)
    for (const f of layout.files) {
      await fs.mkdir(path.dirname(inside(f.target)), {recursive: true, mode: 0o755})
      await fs.writeFile(inside(f.target), f.content, {mode: f.mode, flag: 'wx'})
      await fs.chmod(inside(f.target), f.mode)
    }
    for (const s of layout.symlinks) {
      await fs.mkdir(path.dirname(inside(s.target)), {recursive: true, mode: 0o755})
      await fs.symlink(s.linkTo, inside(s.target))
    }
    await fs.chmod(staging, 0o755)
    await fs.rm(dest, {recursive: true, force: true})
    await fs.rename(staging, dest)
  } catch (error) {
    await fs.rm(staging, {recursive: true, force: true})
    if (error instanceof NisoError) throw error
    throw new NisoError('E_ROOTFS', `cannot assemble rootfs ${dest}: ${messageOf(error)}`)
  }
  return async () => {
    await fs.rm(dest, {recursive: true, force: true})
  }
}

async function mountPoint(source: string, target: string, optional: boolean): Promise<void> {
  let isDir: boolean
  try {
    isDir = (await fs.stat(source)).isDirectory()
  } catch {
    if (optional) return
    throw new NisoError('E_ROOTFS', `bind source ${source} does not exist on this host`)
  }
  if (isDir) {
    await fs.mkdir(target, {recursive: true, mode: 0o755})
    return
  }
  await fs.mkdir(path.dirname(target), {recursive: true, mode: 0o755})
  try {
    const fd = await fs.open(target, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o644)
    await fd.close()
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
}
