import {spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import {accessSync, constants, promises as fs} from 'node:fs'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import zlib from 'node:zlib'

import {type RuntimeInstallMethod, type RuntimeProvider, compareVersions, versionMatches} from '@niso/plugin-sdk'

import {NisoError, messageOf} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {type RuntimeMeta, commitRuntime, makeStaging} from './store.js'

/**
 * Executes a runtime provider's install methods (data) for `<id>:<version>`: the first method that
 * applies wins. npm downloads are checked against the registry's sha512 integrity before a byte is
 * unpacked; host adoption copies the executable after checking its reported version.
 */
export async function installRuntime(
  paths: NisoPaths,
  provider: RuntimeProvider,
  version: string,
  opts: {from?: string; log: (line: string) => void},
): Promise<RuntimeMeta & {dir: string}> {
  const methods = provider.install?.({version}) ?? []
  if (methods.length === 0)
    throw new NisoError('E_RUNTIME_INSTALL', `runtime ${provider.id} cannot be installed by niso`)
  const chosen = opts.from ? methods.find((m) => m.kind === 'adopt-host') : methods[0]
  if (!chosen) throw new NisoError('E_RUNTIME_INSTALL', `runtime ${provider.id} cannot adopt a host binary (--from)`)
  const staging = await makeStaging(paths, provider.id)
  try {
    const meta = await runMethod(chosen, provider.id, version, staging, opts)
    const dir = await commitRuntime(paths, staging, meta)
    return {...meta, dir}
  } catch (error) {
    await fs.rm(staging, {recursive: true, force: true})
    throw error
  }
}

async function runMethod(
  method: RuntimeInstallMethod,
  id: string,
  version: string,
  staging: string,
  opts: {from?: string; log: (line: string) => void},
): Promise<RuntimeMeta> {
  const installedAt = new Date().toISOString()
  if (method.kind === 'npm') {
    const {exact, tarball, integrity} = await resolveNpm(method.package, method.range)
    opts.log(`download ${method.package}@${exact}`)
    const bytes = await download(tarball)
    verifyIntegrity(bytes, integrity, `${method.package}@${exact}`)
    await extractFromTgz(bytes, `package/${method.binary}`, path.join(staging, method.binary))
    return {id, version: exact, binary: method.binary, source: `npm:${method.package}@${exact}`, integrity, installedAt}
  }
  if (method.kind === 'adopt-host') {
    const exe = opts.from ?? findCandidate(method.candidates)
    if (!exe)
      throw new NisoError(
        'E_RUNTIME_INSTALL',
        `no host ${id} found (tried ${method.candidates.join(', ')}); use --from PATH`,
      )
    const real = await fs.realpath(exe).catch(() => {
      throw new NisoError('E_RUNTIME_INSTALL', `--from ${exe}: no such file`)
    })
    const exact = probeVersion(real, method.version.args, method.version.pattern)
    if (!versionMatches(version, exact)) {
      throw new NisoError('E_RUNTIME_VERSION', `${exe} is ${id} ${exact}, not ${id}:${version}`)
    }
    opts.log(`adopt ${real} (${id} ${exact})`)
    const dest = path.join(staging, method.binary)
    await fs.mkdir(path.dirname(dest), {recursive: true})
    await fs.copyFile(real, dest, constants.COPYFILE_EXCL)
    await fs.chmod(dest, 0o755)
    return {id, version: exact, binary: method.binary, source: `host:${real}`, installedAt}
  }
  throw new NisoError('E_RUNTIME_INSTALL', `install method "${method.kind}" is not supported by this niso`)
}

/** The npm registry this host is configured for (npm's own setting), never a hard-coded host. */
function registry(): string {
  let configured = process.env.npm_config_registry ?? process.env.NPM_CONFIG_REGISTRY
  if (!configured) {
    const r = spawnSync('npm', ['config', 'get', 'registry'], {encoding: 'utf8', timeout: 30_000})
    configured = r.status === 0 ? r.stdout.trim() : ''
  }
  if (!configured) {
    throw new NisoError('E_RUNTIME_DOWNLOAD', 'no npm registry configured: install npm or set npm_config_registry')
  }
  return configured.endsWith('/') ? configured : `${configured}/`
}

async function resolveNpm(pkg: string, range: string): Promise<{exact: string; tarball: string; integrity: string}> {
  const url = `${registry()}${pkg.replace('/', '%2f')}`
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

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url)
  if (!res.ok) throw new NisoError('E_RUNTIME_DOWNLOAD', `${url}: HTTP ${res.status}`)
  return Buffer.from(await res.arrayBuffer())
}

/** Refuses bytes whose sha512 differs from the registry's SRI integrity string. */
export function verifyIntegrity(bytes: Buffer, integrity: string, what: string): void {
  const actual = `sha512-${crypto.createHash('sha512').update(bytes).digest('base64')}`
  if (actual !== integrity) {
    throw new NisoError(
      'E_RUNTIME_INTEGRITY',
      `${what}: download does not match the registry's integrity (${integrity.slice(0, 20)}…)`,
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

function findCandidate(candidates: readonly string[]): string | undefined {
  const executable = (p: string) => {
    try {
      accessSync(p, constants.X_OK)
      return true
    } catch {
      return false
    }
  }
  const paths = candidates.flatMap((c) =>
    c.startsWith('/') ? [c] : ['/usr/local/bin', '/usr/bin', '/bin'].map((d) => path.join(d, c)),
  )
  return paths.find(executable)
}

function probeVersion(exe: string, args: readonly string[], pattern: string): string {
  const r = spawnSync(exe, args, {encoding: 'utf8', timeout: 10_000})
  const m = new RegExp(pattern, 'm').exec(`${r.stdout ?? ''}${r.stderr ?? ''}`)
  if (!m?.[1])
    throw new NisoError('E_RUNTIME_VERSION', `cannot tell the version of ${exe} (${[exe, ...args].join(' ')})`)
  return m[1]
}
