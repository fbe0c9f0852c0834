import fs from 'node:fs'
import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import {type LdCache, readLdCache} from './ld-cache.js'
import {type ElfInfo, readElf} from './read-elf.js'

export interface ClosureOptions {
  /** Leave out libraries that cannot be found instead of failing. */
  readonly skipMissing?: boolean
}

interface LoadedObject {
  readonly path: string
  readonly info: ElfInfo
  readonly loader: LoadedObject | undefined
}

const EM_386 = 3
const EM_X86_64 = 62
const EM_AARCH64 = 183

/** The dynamic loader of the platform's C library, which runs shared objects loaded without one of their own. */
function standardLoader(info: ElfInfo): string | undefined {
  if (info.machine === EM_X86_64 && info.bits === 64) return '/lib64/ld-linux-x86-64.so.2'
  if (info.machine === EM_AARCH64) return '/lib/ld-linux-aarch64.so.1'
  if (info.machine === EM_386) return '/lib/ld-linux.so.2'
  return undefined
}

/** The loader's built-in search directories, after the cache (multiarch first, as Debian's glibc). */
function defaultDirs(info: ElfInfo): string[] {
  const triplet =
    info.machine === EM_X86_64
      ? 'x86_64-linux-gnu'
      : info.machine === EM_AARCH64
        ? 'aarch64-linux-gnu'
        : info.machine === EM_386
          ? 'i386-linux-gnu'
          : undefined
  const multiarch = triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []
  const lib64 = info.bits === 64 ? ['/lib64', '/usr/lib64'] : []
  return [...multiarch, ...lib64, '/lib', '/usr/lib']
}

/**
 * Resolves shared-library closures the way ld.so does, without executing anything: each NEEDED
 * entry is looked up by soname among objects already loaded, then in DT_RPATH (of the object and
 * its loaders, when the object has no DT_RUNPATH), DT_RUNPATH, the ld.so cache and the default
 * directories, accepting only files of the same ELF class and machine. Results are cached per
 * resolver, so one resolver serves a whole planning run. The loader cache defaults to
 * /etc/ld.so.cache, read once. The files are read synchronously (dozens of small reads, each
 * cheaper than a round trip through the thread pool); `closure` stays async for its callers.
 */
export class LibraryResolver {
  private readonly elfCache = new Map<string, {readonly info: ElfInfo | undefined} | {readonly error: unknown}>()
  private ldCache: LdCache | undefined
  private readonly givenCache: LdCache | undefined

  constructor(options: {cache?: LdCache} = {}) {
    this.givenCache = options.cache
  }

  /**
   * Sorted absolute paths of the loader and every library the given ELF files need (a directory
   * stands for the ELF files directly inside it), plus the targets of those that are symlinks.
   */
  async closure(inputs: readonly string[], options: ClosureOptions = {}): Promise<string[]> {
    const found = new Set<string>()
    for (const file of this.expand(inputs)) {
      const info = this.elf(file)
      if (!info?.dynamic) continue
      for (const p of this.closureOf(file, info, options)) found.add(p)
    }
    const withTargets = new Set<string>()
    for (const p of found) for (const q of symlinkChain(p)) withTargets.add(q)
    return [...withTargets].sort()
  }

  private closureOf(file: string, info: ElfInfo, options: ClosureOptions): string[] {
    const result: string[] = []
    const loaded = new Map<string, string>()
    // A shared library (no PT_INTERP) runs under the platform's standard loader, as with ldd;
    // a static-pie executable has a dynamic section but neither a loader nor needs.
    if (!info.interpreter && info.needed.length === 0) return []
    const interp = info.interpreter ?? standardLoader(info)
    if (interp && (info.interpreter || this.elfOrUndefined(interp))) {
      const interpInfo = this.elfOrUndefined(interp)
      if (!interpInfo) {
        if (options.skipMissing) return []
        throw new NisoError('E_LIBRARY_MISSING', `${file}: its dynamic loader ${interp} does not exist on this host`)
      }
      result.push(interp)
      loaded.set(interpInfo.soname ?? path.basename(interp), interp)
    }
    const queue: LoadedObject[] = [{path: file, info, loader: undefined}]
    for (let i = 0; i < queue.length; i++) {
      const obj = queue[i] as LoadedObject
      for (const name of obj.info.needed) {
        if (loaded.has(name)) continue
        const lib = this.find(name, obj)
        if (!lib) {
          if (options.skipMissing) continue
          throw new NisoError(
            'E_LIBRARY_MISSING',
            `${obj.path}: needs ${name}, which ld.so would not find on this host${obj.path === file ? '' : ` (for ${file})`}`,
          )
        }
        loaded.set(name, lib.path)
        if (lib.info.soname) loaded.set(lib.info.soname, lib.path)
        result.push(lib.path)
        queue.push({path: lib.path, info: lib.info, loader: obj})
      }
    }
    return result
  }

  private find(name: string, obj: LoadedObject): {path: string; info: ElfInfo} | undefined {
    if (name.includes('/')) return this.accept(path.resolve(name), obj.info)
    const dirs: string[] = []
    if (obj.info.runpath.length === 0) {
      for (let l: LoadedObject | undefined = obj; l; l = l.loader) {
        if (l.info.runpath.length === 0) dirs.push(...expandTokens(l.info.rpath, l.path))
      }
    }
    dirs.push(...expandTokens(obj.info.runpath, obj.path))
    for (const dir of dirs) {
      const hit = this.accept(path.join(dir, name), obj.info)
      if (hit) return hit
    }
    const entries = this.cache().get(name) ?? []
    for (const entry of [...entries.filter((e) => !e.hwcaps), ...entries.filter((e) => e.hwcaps)]) {
      const hit = this.accept(entry.path, obj.info)
      if (hit) return hit
    }
    for (const dir of defaultDirs(obj.info)) {
      const hit = this.accept(path.join(dir, name), obj.info)
      if (hit) return hit
    }
    return undefined
  }

  private accept(file: string, like: ElfInfo): {path: string; info: ElfInfo} | undefined {
    const info = this.elfOrUndefined(file)
    if (!info || info.bits !== like.bits || info.machine !== like.machine) return undefined
    return {path: file, info}
  }

  /** The ELF facts of a regular file (undefined for anything else); throws when it cannot be read. */
  private elf(file: string): ElfInfo | undefined {
    let hit = this.elfCache.get(file)
    if (!hit) {
      try {
        hit = {info: fs.statSync(file).isFile() ? readElf(file) : undefined}
      } catch (error) {
        hit = {error}
      }
      this.elfCache.set(file, hit)
    }
    if ('error' in hit) throw hit.error
    return hit.info
  }

  private elfOrUndefined(file: string): ElfInfo | undefined {
    try {
      return this.elf(file)
    } catch {
      return undefined
    }
  }

  private cache(): LdCache {
    this.ldCache ??= this.givenCache ?? readLdCache()
    return this.ldCache
  }

  private expand(inputs: readonly string[]): string[] {
    const files: string[] = []
    for (const input of inputs) {
      const abs = path.resolve(input)
      const st = statOrUndefined(abs)
      if (!st) throw new NisoError('E_LIBRARY_MISSING', `${abs}: no such file`)
      if (!st.isDirectory()) {
        files.push(abs)
        continue
      }
      const names = fs.readdirSync(abs).sort()
      for (const name of names) {
        const child = path.join(abs, name)
        if (statOrUndefined(child)?.isFile()) files.push(child)
      }
    }
    return files
  }
}

/** $ORIGIN / ${ORIGIN} become the object's real directory; entries with other tokens are skipped. */
function expandTokens(dirs: readonly string[], objectPath: string): string[] {
  if (dirs.length === 0) return []
  let real = objectPath
  try {
    real = fs.realpathSync(objectPath)
  } catch {
    // a path that cannot be resolved keeps its own directory as $ORIGIN
  }
  const origin = path.dirname(real)
  return dirs
    .map((d) => d.replaceAll('${ORIGIN}', origin).replaceAll('$ORIGIN', origin))
    .filter((d) => !d.includes('$') && d.startsWith('/'))
}

/** `p`, then each file-level symlink target in turn (directory symlinks on the way are left alone). */
function symlinkChain(p: string): string[] {
  const chain = [p]
  let current = p
  for (let hops = 0; hops < 40; hops++) {
    const st = statOrUndefined(current, fs.lstatSync)
    if (!st?.isSymbolicLink()) break
    current = path.resolve(path.dirname(current), fs.readlinkSync(current))
    chain.push(current)
  }
  return chain
}

function statOrUndefined(p: string, stat: (p: string) => fs.Stats = fs.statSync): fs.Stats | undefined {
  try {
    return stat(p)
  } catch {
    return undefined
  }
}
