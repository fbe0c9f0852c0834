import {durationToMs, sizeToBytes} from '@niso/plugin-sdk'

/** A manifest duration ("1m30s") as a systemd time span: whole seconds ("90s") or milliseconds. */
export function timeSpan(duration: string): string {
  const ms = durationToMs(duration)
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

/** A manifest size ("512MB", "2GiB", "1024") as systemd writes it: the largest exact unit ("512M"). */
export function byteSize(size: string): string {
  const bytes = sizeToBytes(size)
  for (const [unit, factor] of [
    ['T', 1024 ** 4],
    ['G', 1024 ** 3],
    ['M', 1024 ** 2],
    ['K', 1024],
  ] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`
  }
  return String(bytes)
}
