import fs from 'node:fs/promises'
import path from 'node:path'

import {type InstalledRuntime, compareVersions} from '@niso/plugin-sdk'
import * as v from 'valibot'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'

/**
 * The runtime store: `<runtimes>/<id>/<exact version>/`, each with a `.niso-runtime.json` written
 * last, so a version without it (an interrupted install) is never listed or used. Installs are
 * assembled in `<runtimes>/.staging/` and renamed into place.
 */
export const RUNTIME_META_FILE = '.niso-runtime.json'

const ID_RE = /^[a-z][a-z0-9-]*$/
const EXACT_VERSION_RE = /^\d+(?:\.\d+)*(?:[-+][0-9A-Za-z.-]+)?$/

export const RuntimeMetaSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(ID_RE)),
  version: v.pipe(v.string(), v.regex(EXACT_VERSION_RE)),
  /** The main executable, relative to the version's directory. */
  binary: v.pipe(
    v.string(),
    v.check((p) => !p.startsWith('/') && !p.split('/').includes('..')),
  ),
  source: v.string(),
  /** sha512 SRI of the downloaded tarball, for npm installs. */
  integrity: v.optional(v.string()),
  installedAt: v.string(),
})
export type RuntimeMeta = v.InferOutput<typeof RuntimeMetaSchema>

export interface StoredRuntime extends InstalledRuntime {
  readonly meta: RuntimeMeta
}

export function runtimeDir(paths: NisoPaths, id: string, version: string): string {
  return path.join(paths.runtimes, id, version)
}

export function stagingDir(paths: NisoPaths): string {
  return path.join(paths.runtimes, '.staging')
}

/** Parses "nodejs:20" into its id and requested version, naming the argument on error. */
export function parseRuntimeRef(ref: string): {id: string; version: string} {
  const m = /^([a-z][a-z0-9-]*):(\d+(?:\.\d+)*)$/.exec(ref)
  if (!m) {
    throw new NisoError('E_RUNTIME_REF', `"${ref}" is not a runtime reference: use <id>:<version>, e.g. nodejs:20`)
  }
  return {id: m[1] as string, version: m[2] as string}
}

/** Every installed runtime (one id, or all), sorted by id, then newest version first. */
export async function listRuntimes(paths: NisoPaths, id?: string): Promise<StoredRuntime[]> {
  const ids = id === undefined ? await dirNames(paths.runtimes) : [id]
  const found: StoredRuntime[] = []
  for (const rid of ids.filter((x) => ID_RE.test(x))) {
    for (const version of await dirNames(path.join(paths.runtimes, rid))) {
      const dir = runtimeDir(paths, rid, version)
      const meta = await readMeta(dir)
      if (!meta || meta.id !== rid || meta.version !== version) continue
      found.push({id: rid, version, dir, binary: path.join(dir, meta.binary), source: meta.source, meta})
    }
  }
  return found.sort((a, b) => (a.id === b.id ? compareVersions(b.version, a.version) : a.id < b.id ? -1 : 1))
}

export async function readMeta(dir: string): Promise<RuntimeMeta | undefined> {
  let text: string
  try {
    text = await fs.readFile(path.join(dir, RUNTIME_META_FILE), 'utf8')
  } catch {
    return undefined
  }
  try {
    const parsed = v.safeParse(RuntimeMetaSchema, JSON.parse(text))
    return parsed.success ? parsed.output : undefined
  } catch {
    return undefined
  }
}

/**
 * Moves a fully assembled staging directory into the store: writes its metadata last, then
 * renames it to `<id>/<version>`. Refuses to replace an installed version.
 */
export async function commitRuntime(paths: NisoPaths, staged: string, meta: RuntimeMeta): Promise<string> {
  const dest = runtimeDir(paths, meta.id, meta.version)
  if (await readMeta(dest)) {
    throw new NisoError('E_RUNTIME_EXISTS', `runtime ${meta.id}:${meta.version} is already installed at ${dest}`)
  }
  const binary = path.join(staged, meta.binary)
  const st = await fs.stat(binary).catch(() => undefined)
  if (!st?.isFile() || (st.mode & 0o111) === 0) {
    throw new NisoError('E_RUNTIME_INSTALL', `${meta.binary} is missing or not executable in the installed files`)
  }
  await fs.writeFile(path.join(staged, RUNTIME_META_FILE), `${JSON.stringify(meta, null, 2)}\n`, {mode: 0o644})
  await fs.mkdir(path.dirname(dest), {recursive: true})
  // A leftover directory without metadata is an interrupted install: replace it.
  await fs.rm(dest, {recursive: true, force: true})
  try {
    await fs.rename(staged, dest)
  } catch (error) {
    throw new NisoError('E_RUNTIME_INSTALL', `${dest}: cannot move the runtime into place (${messageOf(error)})`)
  }
  return dest
}

/** A fresh, empty staging directory for one install (the caller removes it on failure). */
export async function makeStaging(paths: NisoPaths, id: string): Promise<string> {
  const base = stagingDir(paths)
  await fs.mkdir(base, {recursive: true, mode: 0o755})
  return fs.mkdtemp(path.join(base, `${id}-`))
}

/** Removes one installed version; its metadata goes first so a half-removed version is never used. */
export async function removeRuntimeDir(paths: NisoPaths, id: string, version: string): Promise<string> {
  const dir = runtimeDir(paths, id, version)
  if (!(await readMeta(dir))) throw new NisoError('E_RUNTIME_NOT_FOUND', `runtime ${id}:${version} is not installed`)
  const trash = path.join(stagingDir(paths), `removing-${id}-${version}-${process.pid}`)
  await fs.mkdir(stagingDir(paths), {recursive: true})
  await fs.rename(dir, trash)
  await fs.rm(trash, {recursive: true, force: true})
  await fs.rmdir(path.join(paths.runtimes, id)).catch(() => undefined)
  return dir
}

/** Total size in bytes of the files under `dir` (symlinks counted as links, not followed). */
export async function treeSize(dir: string): Promise<number> {
  let total = 0
  const entries = await fs.readdir(dir, {withFileTypes: true, recursive: true})
  for (const e of entries) {
    if (e.isFile()) total += (await fs.lstat(path.join(e.parentPath, e.name))).size
  }
  return total
}

async function dirNames(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, {withFileTypes: true})
    return entries
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort()
  } catch {
    return []
  }
}
