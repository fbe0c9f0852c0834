import fs from 'node:fs'

/** Writes all of `bytes` to `fd` at its current offset (write(2) may take fewer than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length;) offset += fs.writeSync(fd, bytes, offset, bytes.length - offset)
}
