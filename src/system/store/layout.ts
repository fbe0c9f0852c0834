import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

import {type NisoPaths, packageDir} from '../../core/paths.js'
import {listDirOr} from '../read-or.js'
import {currentProcess, formatTag, isAlive, parseTag} from '../state/process-identity.js'

/**
 * Where the store keeps things. An installed version is a directory under `packages/` plus its
 * verbatim archive under `archives/`, both keyed by name (scoped names `@scope/name` nest one
 * level, as packageDir() does) and version. Work in progress lives in names that start with "."
 * (never a package name) and carry the owning process's tag, so garbage left by a crash can be
 * told apart from another process's work.
 */
export {packageDir}

export function archivePath(paths: NisoPaths, name: string, version: string): string {
  return path.join(paths.archives, name, `${version}.niso`)
}

/** packages/.trash: directories moved out of the way, deleted outside the lock. */
export function trashDir(paths: NisoPaths): string {
  return path.join(paths.packages, '.trash')
}

/** A fresh name owned by this process: "<pid>-<start>-<random>". */
export function ownedName(): string {
  return `${formatTag(currentProcess())}-${crypto.randomBytes(6).toString('hex')}`
}

/** The owner of an ownedName(), if the name is one. */
export function ownerOf(name: string): ReturnType<typeof parseTag> {
  const m = /^(\d+-\d*)-[0-9a-f]+/.exec(name.replace(/^\.tmp-/, ''))
  return m ? parseTag(m[1] as string) : undefined
}

/** Removes entries of `dir` whose owning process is gone. Returns their names. */
export function removeDeadOwned(dir: string, filter: (name: string) => boolean = () => true): string[] {
  const removed: string[] = []
  for (const name of listDirOr(dir)) {
    if (!filter(name)) continue
    const owner = ownerOf(name)
    if (owner === undefined || isAlive(owner)) continue
    fs.rmSync(path.join(dir, name), {recursive: true, force: true})
    removed.push(name)
  }
  return removed
}

/** Moves `target` into a fresh trash entry (same filesystem: a rename). Missing targets are fine. */
export function moveToTrash(paths: NisoPaths, target: string): string | undefined {
  const trash = trashDir(paths)
  fs.mkdirSync(trash, {recursive: true})
  const dest = path.join(trash, ownedName())
  try {
    fs.renameSync(target, dest)
    return dest
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Removes an empty directory and its empty parents up to (not including) `stop`. */
export function pruneEmptyParents(dir: string, stop: string): void {
  let at = dir
  while (at.startsWith(`${stop}${path.sep}`)) {
    try {
      fs.rmdirSync(at)
    } catch {
      return
    }
    at = path.dirname(at)
  }
}

/**
 * Every `<name>/<version>` below `root` (scoped names nest: `@scope/name/<version>`), skipping
 * dot-entries (.staging, .trash, temps). `leaf` maps a version entry's file name to a version.
 */
export function listInstalledOnDisk(
  root: string,
  leaf: (entry: fs.Dirent) => string | undefined,
): Array<{name: string; version: string; path: string}> {
  const out: Array<{name: string; version: string; path: string}> = []
  const readDir = (dir: string): fs.Dirent[] => {
    try {
      return fs.readdirSync(dir, {withFileTypes: true})
    } catch {
      return []
    }
  }
  const versionsOf = (name: string, dir: string): void => {
    for (const v of readDir(dir)) {
      const version = v.name.startsWith('.') ? undefined : leaf(v)
      if (version !== undefined) out.push({name, version, path: path.join(dir, v.name)})
    }
  }
  for (const top of readDir(root)) {
    if (top.name.startsWith('.') || !top.isDirectory()) continue
    if (top.name.startsWith('@')) {
      for (const n of readDir(path.join(root, top.name))) {
        if (n.isDirectory()) versionsOf(`${top.name}/${n.name}`, path.join(root, top.name, n.name))
      }
    } else {
      versionsOf(top.name, path.join(root, top.name))
    }
  }
  return out
}
