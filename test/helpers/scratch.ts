import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach} from 'node:test'

/** A maker of temporary directories that are removed after each test of the calling file. */
export function scratchDirs(defaultPrefix: string): (prefix?: string) => string {
  const dirs: string[] = []
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, {recursive: true, force: true})
  })
  return (prefix = defaultPrefix) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
    dirs.push(dir)
    return dir
  }
}

/** Writes `files` (relative path → content) under `dir`, making their directories; returns `dir`. */
export function writeTree(dir: string, files: Record<string, string | Buffer>): string {
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    fs.writeFileSync(path.join(dir, name), content)
  }
  return dir
}
