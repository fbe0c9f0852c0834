import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import {fsyncDir} from '../state/durable.js'

/**
 * Makes a freshly extracted tree durable before it is renamed into place. One syncfs(2) of the
 * tree's filesystem (`sync -f`, coreutils) flushes every file and directory in a single call,
 * where an fsync per file would cost a journal commit each. Falls back to fsyncing every file and
 * directory when `sync -f` is unavailable.
 */
export function syncTree(dir: string): void {
  const r = spawnSync('sync', ['-f', dir], {stdio: 'ignore'})
  if (r.status === 0) return
  fsyncWalk(dir)
}

function fsyncWalk(dir: string): void {
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      fsyncWalk(p)
    } else if (e.isFile()) {
      const fd = fs.openSync(p, 'r')
      try {
        fs.fsyncSync(fd)
      } finally {
        fs.closeSync(fd)
      }
    }
  }
  try {
    fsyncDir(dir)
  } catch (error) {
    throw new NisoError('E_SYNC', `${dir}: cannot sync (${(error as Error).message})`)
  }
}
