import fs from 'node:fs'

/**
 * The dynamic loader's cache (/etc/ld.so.cache, glibc's "glibc-ld.so.cache1.1" format, written by
 * ldconfig): soname → library paths, in the order ld.so consults them.
 */
export type LdCache = ReadonlyMap<string, readonly CacheEntry[]>

export interface CacheEntry {
  readonly path: string
  /** The entry's arch flags (0x0303 = x86-64 libc6, 0x0a03 = AArch64, 0x0003 = 32-bit). */
  readonly flags: number
  /** True for glibc-hwcaps subdirectory variants, which ld.so prefers only on matching CPUs. */
  readonly hwcaps: boolean
}

const MAGIC = 'glibc-ld.so.cache1.1'
const HEADER = 48
const ENTRY = 24
/** Bit 62 of the entry's 64-bit hwcap word, as seen in its upper (little-endian) half. */
const HWCAP_EXTENSION_HIGH = 1 << 30

/** Parses a cache file's bytes; an unreadable or old-format-only cache yields an empty map. */
export function parseLdCache(buf: Buffer): LdCache {
  const map = new Map<string, CacheEntry[]>()
  const base = buf.indexOf(MAGIC, 0, 'latin1')
  if (base === -1 || base + HEADER > buf.length) return map
  const nlibs = buf.readUInt32LE(base + 20)
  for (let i = 0; i < nlibs; i++) {
    const o = base + HEADER + i * ENTRY
    if (o + ENTRY > buf.length) break
    const flags = buf.readInt32LE(o)
    const key = cString(buf, base + buf.readUInt32LE(o + 4))
    const path = cString(buf, base + buf.readUInt32LE(o + 8))
    const hwcaps = (buf.readUInt32LE(o + 20) & HWCAP_EXTENSION_HIGH) !== 0
    if (!key || !path) continue
    const list = map.get(key) ?? []
    list.push({path, flags, hwcaps})
    map.set(key, list)
  }
  return map
}

export function readLdCache(file = '/etc/ld.so.cache'): LdCache {
  try {
    return parseLdCache(fs.readFileSync(file))
  } catch {
    return new Map()
  }
}

function cString(buf: Buffer, offset: number): string {
  if (offset < 0 || offset >= buf.length) return ''
  const end = buf.indexOf(0, offset)
  return buf.toString('utf8', offset, end === -1 ? buf.length : end)
}
