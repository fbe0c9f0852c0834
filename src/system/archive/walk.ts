import fs from 'node:fs'
import path from 'node:path'

import {NisoError, messageOf} from '../../core/errors.js'
import type {SourceEntry} from '../../core/package/select-files.js'

/**
 * Lists a source tree: one readdir per directory (file types come with the names), a readlink per
 * symlink, nothing else; file contents are read later, once. `descend(dir)` prunes directories
 * whose contents cannot be selected (ignored node_modules, .git). Symlinks are never followed.
 */
export function walkTree(root: string, descend: (dir: string) => boolean): SourceEntry[] {
  const out: SourceEntry[] = []
  const visit = (rel: string): void => {
    let dirents: fs.Dirent[]
    try {
      dirents = fs.readdirSync(rel === '' ? root : path.join(root, rel), {withFileTypes: true})
    } catch (error) {
      throw new NisoError('E_PACK_READ', `${rel === '' ? root : rel}: cannot read directory (${messageOf(error)})`)
    }
    for (const d of dirents) {
      const p = rel === '' ? d.name : `${rel}/${d.name}`
      if (d.isDirectory()) {
        out.push({path: p, kind: 'dir'})
        if (descend(p)) visit(p)
      } else if (d.isFile()) {
        out.push({path: p, kind: 'file'})
      } else if (d.isSymbolicLink()) {
        out.push({path: p, kind: 'symlink', linkTarget: readLink(root, p)})
      } else {
        out.push({path: p, kind: 'other', special: specialKind(d)})
      }
    }
  }
  visit('')
  return out
}

function readLink(root: string, p: string): string {
  try {
    return fs.readlinkSync(path.join(root, p))
  } catch (error) {
    throw new NisoError('E_PACK_READ', `${p}: cannot read symlink (${messageOf(error)})`)
  }
}

function specialKind(d: fs.Dirent): string {
  if (d.isSocket()) return 'socket'
  if (d.isFIFO()) return 'FIFO'
  if (d.isCharacterDevice()) return 'character device'
  if (d.isBlockDevice()) return 'block device'
  return 'special file'
}
