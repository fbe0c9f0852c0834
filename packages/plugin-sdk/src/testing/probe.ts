import type {HostProbe, InstalledRuntime, LibraryClosureOptions} from '../providers.js'

/** The closure a fake host reports for any ELF file it was not told about: a plain glibc binary. */
export const FAKE_GLIBC_CLOSURE: readonly string[] = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib64/ld-linux-x86-64.so.2']

/** A runtime a fake host reports as installed; `binary` is relative to its directory. */
export interface FakeRuntime {
  readonly id: string
  readonly version: string
  /** Relative to the runtime's directory; default "bin/<id>". */
  readonly binary?: string
  readonly source?: string
}

export interface FakeHostOptions {
  /** Runtimes in the fake store (`<root>/opt/niso/runtimes/<id>/<version>/`). */
  readonly runtimes?: readonly FakeRuntime[]
  /** Library closure by path (file or directory); other paths get FAKE_GLIBC_CLOSURE. */
  readonly libraries?: Readonly<Record<string, readonly string[]>>
  /** Executables on the fake host's PATH, by name. */
  readonly executables?: Readonly<Record<string, string>>
  /** Host paths `exists` answers true for (besides runtime files and executables). */
  readonly files?: readonly string[]
}

/**
 * A HostProbe that answers from data, for plugin authors' tests: deterministic, never touches
 * the real host.
 */
export function fakeProbe(runtimesDir: string, options: FakeHostOptions = {}): HostProbe {
  const installed: InstalledRuntime[] = (options.runtimes ?? []).map((r) => {
    const dir = `${runtimesDir}/${r.id}/${r.version}`
    return {
      id: r.id,
      version: r.version,
      dir,
      binary: `${dir}/${r.binary ?? `bin/${r.id}`}`,
      source: r.source ?? 'test',
    }
  })
  const executables = options.executables ?? {}
  const files = new Set([...(options.files ?? []), ...installed.map((r) => r.binary), ...Object.values(executables)])
  return {
    async libraryClosure(paths: string | readonly string[], _options?: LibraryClosureOptions) {
      const all = new Set<string>()
      for (const p of typeof paths === 'string' ? [paths] : paths) {
        for (const lib of options.libraries?.[p] ?? FAKE_GLIBC_CLOSURE) all.add(lib)
      }
      return [...all].sort()
    },
    async findExecutable(name: string) {
      return executables[name]
    },
    async installedRuntimes(id: string) {
      return installed
        .filter((r) => r.id === id)
        .sort((a, b) => b.version.localeCompare(a.version, 'en', {numeric: true}))
    },
    async exists(path: string) {
      return files.has(path) || installed.some((r) => path === r.dir || path.startsWith(`${r.dir}/`))
    },
  }
}
