import fs from 'node:fs/promises'

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
const HWCAP_EXTENSION = 1n << 62n

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
    const hwcaps = (buf.readBigUInt64LE(o + 16) & HWCAP_EXTENSION) !== 0n
    if (!key || !path) continue
    const list = map.get(key) ?? []
    list.push({path, flags, hwcaps})
    map.set(key, list)
  }
  return map
}

export async function readLdCache(file = '/etc/ld.so.cache'): Promise<LdCache> {
  try {
    return parseLdCache(await fs.readFile(file))
  } catch {
    return new Map()
  }
}

function cString(buf: Buffer, offset: number): string {
  if (offset < 0 || offset >= buf.length) return ''
  const end = buf.indexOf(0, offset)
  return buf.toString('utf8', offset, end === -1 ? buf.length : end)
}
