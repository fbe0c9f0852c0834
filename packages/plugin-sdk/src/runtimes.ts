import type {Manifest} from './manifest/schema.js'
import {type InstalledRuntime, ProviderError, type RuntimeContext} from './providers.js'
import type {RootfsStep} from './rootfs/steps.js'
import {commandLine} from './unit/quote.js'

/**
 * Helpers every runtime provider needs, built-in or third-party: version matching against the
 * runtime store, the standard "not installed" error, ExecStart quoting, the command line from
 * [binary], environment defaults that yield to the manifest, and read-only binds.
 */

/** Where the package payload is mounted inside the rootfs. */
export const APP_DIR = '/app'

/** True when an exact version ("20.20.2") satisfies a request ("20", "20.20" or "20.20.2"). */
export function versionMatches(requested: string, exact: string): boolean {
  return exact === requested || exact.startsWith(`${requested}.`)
}

/** Compares dotted numeric versions ("3.9.1" < "3.11.0"); non-numeric parts compare as text. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/)
  const pb = b.split(/[.+-]/)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? ''
    const y = pb[i] ?? ''
    if (x === y) continue
    const nx = /^\d+$/.test(x) ? Number(x) : NaN
    const ny = /^\d+$/.test(y) ? Number(y) : NaN
    if (!Number.isNaN(nx) && !Number.isNaN(ny)) return nx - ny
    return x < y ? -1 : 1
  }
  return 0
}

/** The newest installed version that satisfies `requested`, if any. */
export function pickInstalled(installed: readonly InstalledRuntime[], requested: string): InstalledRuntime | undefined {
  return [...installed]
    .filter((r) => versionMatches(requested, r.version))
    .sort((a, b) => compareVersions(b.version, a.version))[0]
}

/**
 * The installed runtime a context asks for (the newest matching version), or the standard one-line
 * error that tells the user how to install it.
 */
export async function requireRuntime(ctx: RuntimeContext): Promise<InstalledRuntime> {
  const {id, version} = ctx.runtime
  const found = pickInstalled(await ctx.host.probe.installedRuntimes(id), version)
  if (found) return found
  throw new ProviderError(
    'E_RUNTIME_NOT_INSTALLED',
    `runtime ${id}:${version} is not installed: run \`niso runtime install ${id}:${version}\``,
  )
}

/**
 * One ExecStart= (or ExecStartPre=…) command line from an argv, quoted by systemd's rules: "%"
 * and "$" are doubled so no specifier or variable is expanded; words with spaces, quotes,
 * backslashes or control characters are double-quoted with C escapes; a lone ";" is escaped.
 */
export function execLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('execLine: empty command')
  return commandLine(argv)
}

/**
 * The command an interpreter runtime starts, from [binary]: an entrypoint that names the
 * interpreter (one of `aliases`, or its path) means the interpreter itself; any other entrypoint
 * is a script, relative to the package root (/app) unless absolute. Args follow unchanged.
 */
export function interpreterArgv(
  manifest: Readonly<Manifest>,
  interpreter: {readonly path: string; readonly aliases: readonly string[]},
  runtimeId: string,
): string[] {
  const binary = manifest.binary
  if (!binary) {
    throw new ProviderError(
      'E_RUNTIME_ENTRYPOINT',
      `manifest.toml [binary].entrypoint is required with runtime ${runtimeId} (e.g. entrypoint = "${interpreter.aliases[0] ?? 'main'}")`,
    )
  }
  const {entrypoint, args} = binary
  if (entrypoint === interpreter.path || interpreter.aliases.includes(entrypoint)) return [interpreter.path, ...args]
  const script = entrypoint.startsWith('/') ? entrypoint : `${APP_DIR}/${entrypoint.replace(/^\.\//, '')}`
  return [interpreter.path, script, ...args]
}

/**
 * Environment= entries for a runtime's defaults, leaving out every name the manifest's
 * [environment] sets itself (the manifest wins without a conflict). Sorted by name.
 */
export function runtimeEnvironment(manifest: Readonly<Manifest>, defaults: Readonly<Record<string, string>>): string[] {
  const own = manifest.environment ?? {}
  return Object.keys(defaults)
    .filter((name) => !Object.hasOwn(own, name))
    .sort()
    .map((name) => `${name}=${defaults[name]}`)
}

/** bind-ro steps that mount each host path at the same path inside the rootfs. */
export function bindSame(paths: readonly string[], options: {optional?: boolean} = {}): RootfsStep[] {
  return paths.map((p) =>
    options.optional ? {kind: 'bind-ro', host: p, target: p, optional: true} : {kind: 'bind-ro', host: p, target: p},
  )
}
