import {NisoError} from '../errors.js'

/** The largest mtime niso writes: tar-stream's header encoder truncates mtime to 32 bits (2038). */
const MAX_TAR_MTIME = 2 ** 31 - 1

/**
 * The mtime every archive entry gets: SOURCE_DATE_EPOCH when set (the reproducible-builds.org
 * convention), else 0 (1970-01-01). A fixed value, so packing the same tree twice gives the same bytes.
 */
export function archiveMtime(sourceDateEpoch: string | undefined): number {
  if (sourceDateEpoch === undefined || sourceDateEpoch === '') return 0
  const n = /^\d+$/.test(sourceDateEpoch) ? Number(sourceDateEpoch) : Number.NaN
  if (!Number.isSafeInteger(n) || n > MAX_TAR_MTIME) {
    throw new NisoError(
      'E_SOURCE_DATE_EPOCH',
      `SOURCE_DATE_EPOCH: must be whole seconds since 1970 (got "${sourceDateEpoch}")`,
    )
  }
  return n
}

/** Archive modes are normalised: 0755 for directories and files with any exec bit, else 0644. */
export function normalizedMode(kind: 'file' | 'dir' | 'symlink', mode: number): number {
  if (kind === 'symlink') return 0o777
  if (kind === 'dir') return 0o755
  return mode & 0o111 ? 0o755 : 0o644
}
