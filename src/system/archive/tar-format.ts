/**
 * The ustar layout that niso's tar writer and reader share: 512-byte blocks, and where each
 * header field starts within its block.
 */
export const BLOCK = 512

/** Zero bytes after an entry's data up to the next block. */
export function paddingOf(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK
}

/** Header field offsets (POSIX ustar). */
export const NAME = 0
export const MODE = 100
export const UID = 108
export const GID = 116
export const SIZE = 124
export const MTIME = 136
export const CHECKSUM = 148
export const TYPEFLAG = 156
export const LINKNAME = 157
export const MAGIC = 257
export const DEVMAJOR = 329
export const DEVMINOR = 337
export const PREFIX = 345
