import {NisoError} from '../errors.js'

/**
 * The .niso format: a zstd-compressed tar whose first entry is manifest.toml, then
 * checksums.sha256 (sha256sum format, covering every other file), then signature.ed25519 when
 * signed (over the exact bytes of checksums.sha256), then the payload, sorted.
 */
export const MANIFEST_ENTRY = 'manifest.toml'
export const CHECKSUMS_ENTRY = 'checksums.sha256'
export const SIGNATURE_ENTRY = 'signature.ed25519'
export const HEAD_ENTRIES = [MANIFEST_ENTRY, CHECKSUMS_ENTRY, SIGNATURE_ENTRY] as const
export const PACKAGE_EXTENSION = '.niso'

/** Default zstd level: the zstd CLI's default, a good speed/ratio point for an interactive tool. */
export const DEFAULT_ZSTD_LEVEL = 3
/** Install refuses a package whose unpacked payload exceeds this (flag to change). */
export const DEFAULT_MAX_UNPACKED_BYTES = 4 * 1024 ** 3
/** Unpacked/compressed above this marks a decompression bomb (zstd on text reaches ~20:1). */
export const MAX_COMPRESSION_RATIO = 200

/** `<name>-<version>-<arch>.niso`; a scope's "@" and "/" become "-" so the name stays one file. */
export function packageFileName(name: string, version: string, arch: string): string {
  return `${name.replace(/^@/, '').replace('/', '-')}-${version}-${arch}${PACKAGE_EXTENSION}`
}

export interface ChecksumEntry {
  readonly path: string
  readonly sha256: string
}

/** Renders entries in sha256sum format, sorted by path (byte order) so output is deterministic. */
export function renderChecksums(entries: readonly ChecksumEntry[]): string {
  const sorted = [...entries].sort((a, b) => compareBytes(a.path, b.path))
  return sorted.map((e) => `${e.sha256}  ${e.path}\n`).join('')
}

/** Parses sha256sum-format text; refuses malformed lines, duplicates and unsafe paths. */
export function parseChecksums(text: string, source = CHECKSUMS_ENTRY): Map<string, string> {
  const out = new Map<string, string>()
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  lines.forEach((line, i) => {
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line)
    if (!m) throw new NisoError('E_CHECKSUMS', `${source}:${i + 1}: not a "<sha256>  <path>" line`)
    const [, hash, file] = m as unknown as [string, string, string]
    if (!isSafeArchivePath(file)) throw new NisoError('E_CHECKSUMS', `${source}:${i + 1}: unsafe path "${file}"`)
    if (out.has(file)) throw new NisoError('E_CHECKSUMS', `${source}:${i + 1}: "${file}" is listed twice`)
    out.set(file, hash)
  })
  return out
}

/** A relative path that stays inside the archive root: no "..", no absolute, no empty parts. */
export function isSafeArchivePath(p: string): boolean {
  if (p === '' || p.startsWith('/') || p.includes('\0')) return false
  const parts = p.replace(/\/$/, '').split('/')
  return parts.every((part) => part !== '' && part !== '.' && part !== '..')
}

/**
 * Byte-order comparison of the UTF-8 encodings, independent of locale, used wherever archive order
 * must be stable. Compares UTF-16 code units without encoding (a sort of 5,000 paths allocated
 * 120,000 buffers before), except that surrogates (code points above U+FFFF) sort after
 * U+E000..U+FFFF, as their UTF-8 bytes do.
 */
export function compareBytes(a: string, b: string): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i)
    let y = b.charCodeAt(i)
    if (x === y) continue
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000
    }
    return x - y
  }
  return a.length - b.length
}
