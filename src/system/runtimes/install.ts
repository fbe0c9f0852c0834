import crypto from 'node:crypto'
import {constants, promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import zlib from 'node:zlib'

import {
  isProviderError,
  type RuntimeInstallMethod,
  RuntimeInstallMethodSchema,
  type RuntimeProvider,
  compareVersions,
  versionMatches,
} from '@niso/plugin-sdk'
import * as v from 'valibot'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {copyTree} from './copy-tree.js'
import {capture, findOnStandardPath} from './host-commands.js'
import {type RuntimeMeta, commitRuntime, makeStaging, readMeta, runtimeDir} from './store.js'

type AdoptSpec = Extract<RuntimeInstallMethod, {kind: 'debian'}>['adopt']

export interface InstallOptions {
  /** Adopt this host executable instead (the provider's adopt-host method). */
  readonly from?: string
  readonly log: (line: string) => void
  /** How tarball bytes are fetched (tests pass a cached copy; the integrity check still applies). */
  readonly fetchTarball?: (url: string) => Promise<Buffer>
}

/**
 * Executes a runtime provider's install methods (data) for `<id>:<version>`. Without `--from`, the
 * first method that applies wins (npm and debian always apply, adopt-host when a candidate
 * exists); with it, the adopt-host method runs on the user's path. npm tarballs are checked
 * against the registry's sha512 integrity before a byte is unpacked; Debian packages are
 * unpacked into a scratch directory, never installed on the host. Everything is assembled in
 * staging and renamed into place last, so a failure leaves nothing behind.
 */
export async function installRuntime(
  paths: NisoPaths,
  provider: RuntimeProvider,
  version: string,
  opts: InstallOptions,
): Promise<RuntimeMeta & {dir: string; alreadyInstalled: boolean}> {
  const methods = installMethods(provider, version)
  const chosen = opts.from ? methods.find((m) => m.kind === 'adopt-host') : await firstApplicable(methods)
  if (!chosen) {
    throw new NisoError(
      'E_RUNTIME_INSTALL',
      opts.from
        ? `runtime ${provider.id} cannot adopt a host binary (--from)`
        : `runtime ${provider.id}: no install method applies on this host`,
    )
  }
  const staging = await makeStaging(paths, provider.id)
  const installed = async (exact: string) => {
    const dir = runtimeDir(paths, provider.id, exact)
    const meta = await readMeta(dir)
    if (meta) throw new AlreadyInstalled({...meta, dir})
  }
  try {
    const meta = await runMethod(chosen, provider.id, version, staging, {...opts, installed})
    const dir = await commitRuntime(paths, staging, meta)
    return {...meta, dir, alreadyInstalled: false}
  } catch (error) {
    await fs.rm(staging, {recursive: true, force: true})
    if (error instanceof AlreadyInstalled) return {...error.meta, alreadyInstalled: true}
    throw error
  }
}

/** Stops an install as soon as the exact version is known to be in the store already. */
class AlreadyInstalled extends Error {
  readonly meta: RuntimeMeta & {dir: string}
  constructor(meta: RuntimeMeta & {dir: string}) {
    super(`${meta.id}:${meta.version} is already installed`)
    this.meta = meta
  }
}

type MethodOptions = InstallOptions & {readonly installed: (exact: string) => Promise<void>}

/** The provider's install methods for a version, validated (they are plugin data). */
function installMethods(provider: RuntimeProvider, version: string): RuntimeInstallMethod[] {
  let raw: unknown
  try {
    raw = provider.install?.({version}) ?? []
  } catch (error) {
    if (isProviderError(error)) throw new NisoError(error.code, error.message, error.hint ? {hint: error.hint} : {})
    throw new NisoError('E_RUNTIME_INSTALL', `runtime ${provider.id}: install() failed: ${messageOf(error)}`)
  }
  const parsed = v.safeParse(v.array(RuntimeInstallMethodSchema), raw)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const where = issue.path?.map((p) => String(p.key)).join('.') ?? ''
    throw new NisoError(
      'E_RUNTIME_INSTALL',
      `runtime ${provider.id}: invalid install method ${where}: ${issue.message}`,
    )
  }
  if (parsed.output.length === 0)
    throw new NisoError('E_RUNTIME_INSTALL', `runtime ${provider.id} cannot be installed by niso`)
  return parsed.output
}

async function firstApplicable(methods: readonly RuntimeInstallMethod[]): Promise<RuntimeInstallMethod | undefined> {
  for (const m of methods) {
    if (m.kind !== 'adopt-host' || (await findCandidate(m.candidates))) return m
  }
  return undefined
}

async function runMethod(
  method: RuntimeInstallMethod,
  id: string,
  version: string,
  staging: string,
  opts: MethodOptions,
): Promise<RuntimeMeta> {
  const installedAt = new Date().toISOString()
  switch (method.kind) {
    case 'npm': {
      const {exact, tarball, integrity} = await resolveNpm(method.package, method.range)
      await opts.installed(exact)
      opts.log(`download ${method.package}@${exact}`)
      const bytes = await (opts.fetchTarball ?? download)(tarball)
      verifyIntegrity(bytes, integrity, `${method.package}@${exact}`)
      opts.log(`integrity ${integrity.slice(0, 27)}… verified`)
      await extractFromTgz(bytes, `package/${method.binary}`, path.join(staging, method.binary))
      return {
        id,
        version: exact,
        binary: method.binary,
        source: `npm:${method.package}@${exact}`,
        integrity,
        installedAt,
      }
    }
    case 'adopt-host': {
      const exe = opts.from ?? (await findCandidate(method.candidates))
      if (!exe) {
        throw new NisoError(
          'E_RUNTIME_INSTALL',
          `no host ${id} found (tried ${method.candidates.join(', ')}); use --from PATH`,
        )
      }
      const exact = await adopt(method, id, version, exe, staging, opts)
      return {id, version: exact, binary: method.binary, source: `host:${await fs.realpath(exe)}`, installedAt}
    }
    case 'debian': {
      const scratch = await fs.mkdtemp(path.join(os.tmpdir(), `niso-deb-${id}-`))
      try {
        const root = await unpackDebian(method.packages, scratch, opts)
        const exe = await firstExisting(method.adopt.candidates.map((c) => path.join(root, c)))
        if (!exe) {
          throw new NisoError(
            'E_RUNTIME_INSTALL',
            `${method.packages.join(', ')}: none of ${method.adopt.candidates.join(', ')} inside`,
          )
        }
        const exact = await adopt(method.adopt, id, version, exe, staging, opts)
        return {
          id,
          version: exact,
          binary: method.adopt.binary,
          source: `debian:${method.packages.join(',')}`,
          installedAt,
        }
      } finally {
        await fs.rm(scratch, {recursive: true, force: true})
      }
    }
  }
}

/** Copies an executable (after checking the version it reports) and its trees into staging. */
async function adopt(
  spec: AdoptSpec,
  id: string,
  version: string,
  exe: string,
  staging: string,
  opts: MethodOptions,
): Promise<string> {
  const real = await fs.realpath(exe).catch(() => {
    throw new NisoError('E_RUNTIME_INSTALL', `${exe}: no such file`)
  })
  const st = await fs.stat(real)
  if (!st.isFile() || (st.mode & 0o111) === 0)
    throw new NisoError('E_RUNTIME_INSTALL', `${exe}: not an executable file`)
  const exact = await probeVersion(real, spec.version.args, spec.version.pattern)
  if (!versionMatches(version, exact)) {
    throw new NisoError('E_RUNTIME_VERSION', `${exe} is ${id} ${exact}, not ${id}:${version}`)
  }
  await opts.installed(exact)
  opts.log(`adopt ${real} (${id} ${exact})`)
  const dest = path.join(staging, spec.binary)
  await fs.mkdir(path.dirname(dest), {recursive: true})
  await fs.copyFile(real, dest, constants.COPYFILE_EXCL)
  await fs.chmod(dest, 0o755)
  const prefix = path.dirname(path.dirname(real))
  for (const tree of spec.trees ?? []) {
    const from = tree.from.startsWith('{prefix}/') ? path.join(prefix, tree.from.slice('{prefix}/'.length)) : tree.from
    if (!from.startsWith('/')) throw new NisoError('E_RUNTIME_INSTALL', `tree "${tree.from}" is not an absolute path`)
    const fst = await fs.stat(from).catch(() => undefined)
    if (!fst?.isDirectory()) {
      if (tree.optional) continue
      throw new NisoError('E_RUNTIME_INSTALL', `${from}: directory not found (needed beside ${real})`)
    }
    opts.log(`copy ${from}`)
    await copyTree(from, path.join(staging, tree.to), tree.exclude)
  }
  return exact
}

// ---- npm -----------------------------------------------------------------------------------

/** The npm registry npm itself is configured with (npm_config_registry, .npmrc, its default). */
async function registry(): Promise<string> {
  let configured = process.env.npm_config_registry ?? process.env.NPM_CONFIG_REGISTRY
  if (!configured) {
    const r = await capture('npm', ['config', 'get', 'registry'])
    configured = r.code === 0 ? r.stdout.trim() : undefined
  }
  if (!configured || !/^https?:\/\//.test(configured)) {
    throw new NisoError(
      'E_RUNTIME_DOWNLOAD',
      'cannot tell which npm registry to use: install npm or set npm_config_registry',
    )
  }
  return configured.endsWith('/') ? configured : `${configured}/`
}

/** The newest published version of `pkg` matching `range` (no prereleases), with its tarball and sha512 integrity. */
export async function resolveNpm(
  pkg: string,
  range: string,
): Promise<{exact: string; tarball: string; integrity: string}> {
  const url = `${await registry()}${pkg.replace('/', '%2f')}`
  const res = await fetch(url, {headers: {accept: 'application/vnd.npm.install-v1+json'}}).catch((e: unknown) => {
    throw new NisoError('E_RUNTIME_DOWNLOAD', `cannot reach the npm registry (${url}): ${messageOf(e)}`)
  })
  if (!res.ok) throw new NisoError('E_RUNTIME_DOWNLOAD', `${url}: HTTP ${res.status}`)
  const doc = (await res.json()) as {versions?: Record<string, {dist?: {tarball?: string; integrity?: string}}>}
  const exact = Object.keys(doc.versions ?? {})
    .filter((ver) => /^\d+\.\d+\.\d+$/.test(ver) && versionMatches(range, ver))
    .sort(compareVersions)
    .at(-1)
  const dist = exact ? doc.versions?.[exact]?.dist : undefined
  if (!exact || !dist?.tarball || !dist.integrity?.startsWith('sha512-')) {
    throw new NisoError('E_RUNTIME_VERSION', `no ${pkg} version ${range}.x with a sha512 integrity in the npm registry`)
  }
  return {exact, tarball: dist.tarball, integrity: dist.integrity}
}

export async function download(url: string): Promise<Buffer> {
  const res = await fetch(url).catch((e: unknown) => {
    throw new NisoError('E_RUNTIME_DOWNLOAD', `${url}: ${messageOf(e)}`)
  })
  if (!res.ok) throw new NisoError('E_RUNTIME_DOWNLOAD', `${url}: HTTP ${res.status}`)
  return Buffer.from(await res.arrayBuffer())
}

/** Refuses bytes whose sha512 differs from the registry's SRI integrity string. */
export function verifyIntegrity(bytes: Buffer, integrity: string, what: string): void {
  const actual = `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`
  if (actual !== integrity) {
    throw new NisoError(
      'E_RUNTIME_INTEGRITY',
      `${what}: download does not match the registry's integrity (${integrity.slice(0, 20)}…); nothing was installed`,
    )
  }
}

async function extractFromTgz(bytes: Buffer, member: string, dest: string): Promise<void> {
  const {extract} = await import('tar-stream')
  const ex = extract()
  let found = false
  const done = pipeline(Readable.from([bytes]), zlib.createGunzip(), ex)
  for await (const entry of ex) {
    if (entry.header.name === member && entry.header.type === 'file') {
      await fs.mkdir(path.dirname(dest), {recursive: true})
      const out = await fs.open(dest, 'wx', 0o755)
      await pipeline(entry, out.createWriteStream())
      found = true
    } else {
      entry.resume()
    }
  }
  await done
  if (!found) throw new NisoError('E_RUNTIME_INSTALL', `the downloaded package has no ${member}`)
}

// ---- Debian --------------------------------------------------------------------------------

/** Downloads Debian packages with apt-get (no install) and unpacks them into `scratch/root`. */
async function unpackDebian(packages: readonly string[], scratch: string, opts: InstallOptions): Promise<string> {
  opts.log(`apt-get download ${packages.join(' ')}`)
  const dl = await capture('apt-get', ['download', '--', ...packages], {cwd: scratch})
  if (dl.code !== 0) {
    throw new NisoError(
      'E_RUNTIME_DOWNLOAD',
      `apt-get download ${packages.join(' ')} failed: ${lastLine(dl.stderr) || `exit ${dl.code}`}`,
      {hint: 'run `apt-get update` first, or adopt a host interpreter with --from'},
    )
  }
  const root = path.join(scratch, 'root')
  await fs.mkdir(root)
  for (const deb of (await fs.readdir(scratch)).filter((f) => f.endsWith('.deb')).sort()) {
    const x = await capture('dpkg-deb', ['-x', path.join(scratch, deb), root])
    if (x.code !== 0) throw new NisoError('E_RUNTIME_INSTALL', `dpkg-deb -x ${deb} failed: ${lastLine(x.stderr)}`)
  }
  return root
}

// ---- host executables ----------------------------------------------------------------------

async function findCandidate(candidates: readonly string[]): Promise<string | undefined> {
  for (const c of candidates) {
    const hit = c.startsWith('/') ? await firstExisting([c]) : await findOnStandardPath(c)
    if (hit) return hit
  }
  return undefined
}

async function firstExisting(files: readonly string[]): Promise<string | undefined> {
  for (const f of files) {
    if (
      await fs.access(f, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return f
  }
  return undefined
}

async function probeVersion(exe: string, args: readonly string[], pattern: string): Promise<string> {
  const r = await capture(exe, args, {timeoutMs: 10_000})
  const m = new RegExp(pattern, 'm').exec(`${r.stdout}${r.stderr}`)
  if (!m?.[1]) {
    throw new NisoError('E_RUNTIME_VERSION', `cannot tell the version of ${exe} (${[exe, ...args].join(' ')})`)
  }
  return m[1]
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? ''
}
