import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import zlib from 'node:zlib'

import tar from 'tar-stream'

import {packageFileName, renderChecksums} from '../../dist/core/package/format.js'
import {type SecretKey, signMessage} from '../../dist/core/package/signing.js'

/**
 * Builds .niso archives in memory for tests, including malicious ones: every part of the layout
 * (entry order, types, names, link targets, checksums, signature) can be bent. A well-formed
 * package is `manifest.toml`, `checksums.sha256`, optional `signature.ed25519`, then the payload.
 */
export interface TarEntry {
  name: string
  type?: 'file' | 'link' | 'symlink' | 'directory' | 'character-device' | 'block-device' | 'fifo'
  data?: string | Buffer
  mode?: number
  linkname?: string
  mtime?: Date
}

export interface PackageSpec {
  name?: string
  version?: string
  arch?: string
  /** Payload files, in order: path → content (listed in checksums.sha256). */
  files?: Record<string, string | Buffer>
  /** Payload entries added after the files and NOT listed in checksums (links, dirs, attacks). */
  extra?: TarEntry[]
  /** Extra manifest lines (appended). */
  manifestExtra?: string
  /** Replaces the whole manifest text. */
  manifest?: string
  sign?: SecretKey
  /** Edits the checksum list (path → sha256) before it is rendered (and signed). */
  checksums?: (list: Map<string, string>) => void
  /** Edits the final entry list (head included), e.g. to reorder or duplicate entries. */
  entries?: (entries: TarEntry[]) => TarEntry[]
  /** Edits the tar bytes before compression. */
  tar?: (data: Buffer) => Buffer
  /** zstd level (default 3). */
  level?: number
}

export function sha256(data: string | Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

export function manifestFor(name: string, version: string, arch = 'x86_64', extra = ''): string {
  return `[package]\nname = "${name}"\nversion = "${version}"\narch = "${arch}"\n${extra}`
}

export async function tarBuffer(entries: readonly TarEntry[]): Promise<Buffer> {
  const pack = tar.pack()
  const chunks: Buffer[] = []
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer)
  })()
  for (const e of entries) {
    const type = e.type ?? 'file'
    const data = e.data === undefined ? undefined : Buffer.from(e.data)
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : type === 'symlink' ? 0o777 : 0o644),
      mtime: e.mtime ?? new Date(0),
      uid: 0,
      gid: 0,
      ...(e.linkname === undefined ? {} : {linkname: e.linkname}),
      ...(type === 'file' ? {size: data?.length ?? 0} : {size: 0}),
    }
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve())
      if (type === 'file') pack.entry(header, data ?? Buffer.alloc(0), cb)
      else pack.entry(header, cb)
    })
  }
  pack.finalize()
  await done
  return Buffer.concat(chunks)
}

export function zstd(data: Buffer, level = 3): Buffer {
  return zlib.zstdCompressSync(data, {
    params: {[zlib.constants.ZSTD_c_compressionLevel]: level, [zlib.constants.ZSTD_c_checksumFlag]: 1},
  })
}

export async function buildPackage(spec: PackageSpec = {}): Promise<Buffer> {
  const name = spec.name ?? 'demo'
  const version = spec.version ?? '1.0.0'
  const arch = spec.arch ?? 'x86_64'
  const manifest = spec.manifest ?? manifestFor(name, version, arch, spec.manifestExtra ?? '')
  const files = spec.files ?? {'app/main.js': 'console.log("hi")\n', 'README.md': '# demo\n'}
  const list = new Map<string, string>([['manifest.toml', sha256(manifest)]])
  for (const [p, data] of Object.entries(files)) list.set(p, sha256(data))
  spec.checksums?.(list)
  const checksums = renderChecksums([...list].map(([p, h]) => ({path: p, sha256: h})))
  const head: TarEntry[] = [
    {name: 'manifest.toml', data: manifest},
    {name: 'checksums.sha256', data: checksums},
  ]
  if (spec.sign) {
    head.push({name: 'signature.ed25519', data: signMessage(spec.sign, Buffer.from(checksums), `${name} ${version}`)})
  }
  const payload: TarEntry[] = Object.entries(files).map(([p, data]) => ({name: p, data}))
  let entries = [...head, ...payload, ...(spec.extra ?? [])]
  if (spec.entries) entries = spec.entries(entries)
  const data = await tarBuffer(entries)
  return zstd(spec.tar ? spec.tar(data) : data, spec.level)
}

/** Writes the package into `dir` as `<name>-<version>-<arch>.niso` (or `fileName`); returns its path. */
export async function writePackage(dir: string, spec: PackageSpec = {}, fileName?: string): Promise<string> {
  const file = path.join(
    dir,
    fileName ?? packageFileName(spec.name ?? 'demo', spec.version ?? '1.0.0', spec.arch ?? 'x86_64'),
  )
  fs.writeFileSync(file, await buildPackage(spec))
  return file
}

/** Every path under `root` (relative, sorted), for "nothing else changed" assertions. */
export function treeOf(root: string): string[] {
  const out: string[] = []
  const visit = (rel: string): void => {
    let names: fs.Dirent[]
    try {
      names = fs.readdirSync(path.join(root, rel), {withFileTypes: true})
    } catch {
      return
    }
    for (const d of names) {
      const p = rel === '' ? d.name : `${rel}/${d.name}`
      out.push(d.isDirectory() ? `${p}/` : p)
      if (d.isDirectory()) visit(p)
    }
  }
  visit('')
  return out.sort()
}

/**
 * Rewrites the typeflag of the tar header named `name` (e.g. "S", a socket-ish type no tar
 * writer emits), fixing the header checksum, so tests can present unknown entry types.
 */
export function patchTypeflag(tarData: Buffer, name: string, flag: string): Buffer {
  const out = Buffer.from(tarData)
  for (let off = 0; off + 512 <= out.length; off += 512) {
    const header = out.subarray(off, off + 512)
    const n = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')
    if (n !== name) continue
    header[156] = flag.charCodeAt(0)
    header.fill(0x20, 148, 156)
    let sum = 0
    for (const b of header) sum += b
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii')
    return out
  }
  throw new Error(`no tar header named ${name}`)
}

/** A snapshot of everything under a NISO_ROOT: paths plus the state DB's bytes. */
export function storeSnapshot(root: string): {tree: string[]; db: string | undefined} {
  const db = path.join(root, 'opt/niso/state/niso.db')
  return {tree: treeOf(root), db: fs.existsSync(db) ? sha256(fs.readFileSync(db)) : undefined}
}

/** stderr without warning lines. */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('niso: warning:'))
}
