import path from 'node:path'

import type {Manifest} from '@niso/plugin-sdk'

import {NisoError} from '../../core/errors.js'
import {hostArch} from '../../core/package/arch.js'
import {UNSAFE_PATH_RE, isSafeArchivePath, packageFileName} from '../../core/package/format.js'

/**
 * The rules an archive entry must pass before anything of it reaches the disk. Every refusal is a
 * one-line NisoError naming the archive and the entry.
 */
export function refuse(code: string, label: string, what: string): NisoError {
  return new NisoError(code, `${label}: ${what}`)
}

export function entryError(code: string, label: string, name: string, problem: string): NisoError {
  return refuse(code, label, `entry "${printable(name)}": ${problem}`)
}

export function mismatch(label: string, name: string, expected: string, got: string): NisoError {
  return entryError(
    'E_ARCHIVE_CHECKSUM',
    label,
    name,
    `checksum mismatch (checksums.sha256 says ${expected.slice(0, 12)}…, content is ${got.slice(0, 12)}…)`,
  )
}

/** Control characters in names are shown escaped, so a message stays one line. */
export function printable(name: string): string {
  return JSON.stringify(name).slice(1, -1)
}

/** What may need a refusal or normalising: an unsafe path, a trailing "/" (a directory), or nothing. */
const SUSPECT_PATH_RE = new RegExp(`${UNSAFE_PATH_RE.source}|\\/$|^$`)

/** The entry's archive path, normalised ("dir/" → "dir"), or a refusal. */
export function checkEntryPath(label: string, name: string, isDir: boolean): string {
  if (!SUSPECT_PATH_RE.test(name)) return name
  if (name.startsWith('/')) throw entryError('E_ARCHIVE_PATH', label, name, 'absolute path')
  if (name.split('/').includes('..')) throw entryError('E_ARCHIVE_PATH', label, name, 'path leaves the package ("..")')
  const rel = isDir ? name.replace(/\/+$/, '') : name
  if (!isSafeArchivePath(rel)) throw entryError('E_ARCHIVE_PATH', label, name, 'malformed path')
  return rel
}

/** A symlink's target, resolved by its text alone, must stay in the package. */
export function checkSymlinkTarget(label: string, rel: string, target: string): void {
  if (target === '' || target.includes('\0')) throw entryError('E_ARCHIVE_LINK', label, rel, 'empty symlink target')
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(rel), target))
  if (target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
    throw entryError('E_ARCHIVE_LINK', label, rel, `symlink target "${printable(target)}" leaves the package`)
  }
}

/** A hardlink names another archive path, which must be safe too. Returns it normalised. */
export function checkHardlinkTarget(label: string, rel: string, target: string): string {
  if (target.startsWith('/') || target.split('/').includes('..') || !isSafeArchivePath(target)) {
    throw entryError('E_ARCHIVE_LINK', label, rel, `hardlink target "${printable(target)}" leaves the package`)
  }
  return target
}

/**
 * Follows `rel` through the package's symlinks as the kernel would, component by component.
 * Returns the path it reaches, or undefined when it climbs above the package root or loops.
 * Catches chains a text-only check misses, e.g. `a -> s/..` where `s -> ..`.
 */
export function resolveInPackage(rel: string, symlinks: ReadonlyMap<string, string>): string | undefined {
  let hops = 0
  const walk = (parts: string[], base: string[]): string[] | undefined => {
    const out = [...base]
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] as string
      if (part === '' || part === '.') continue
      if (part === '..') {
        if (out.length === 0) return undefined
        out.pop()
        continue
      }
      out.push(part)
      const target = symlinks.get(out.join('/'))
      if (target === undefined) continue
      if (++hops > 40 || target.startsWith('/')) return undefined
      out.pop()
      const resolved = walk(target.split('/'), out)
      if (resolved === undefined) return undefined
      out.splice(0, out.length, ...resolved)
    }
    return out
  }
  return walk(rel.split('/'), [])?.join('/')
}

export const ARCH_SUFFIX_RE = /-(x86_64|aarch64|any)\.niso$/

/**
 * A file named like a package (`<name>-<version>-<arch>.niso`) must hold that package; other names
 * (`app.niso`, a download) are not checked. The package's arch must run here.
 */
export function checkNameAndArch(label: string, fileName: string, manifest: Manifest, nodeArch: string): string {
  const {name, version, arch} = manifest.package
  const host = hostArch(nodeArch)
  const suffix = ARCH_SUFFIX_RE.exec(fileName)
  if (suffix) {
    const expected = packageFileName(name, version, arch ?? (suffix[1] as string))
    if (expected !== fileName) {
      throw refuse(
        'E_ARCHIVE_NAME',
        label,
        `manifest.toml says ${name} ${version} (${arch ?? 'no arch'}), which would be ${expected}; refusing a renamed package`,
      )
    }
  }
  if (arch !== undefined && arch !== 'any' && arch !== host) {
    throw refuse('E_ARCH', label, `package is built for ${arch}; this machine is ${host}`)
  }
  return arch ?? host
}

/** Setuid/setgid never survive install: returns the mode to apply and whether bits were dropped. */
export function safeMode(mode: number): {mode: number; stripped: boolean} {
  return {mode: mode & 0o1777, stripped: (mode & 0o6000) !== 0}
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let v = n
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[u]}`
}
