import * as v from 'valibot'

/** Value formats shared by the manifest and the plugin contract. Each carries the message a user sees. */

export const DURATION_RE = /^(?:\d+(?:ms|s|m|h|d))+$/
export const SIZE_RE = /^\d+(?:[KMGT]i?)?B?$/
export const PERCENT_RE = /^\d+%$/
export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/
export const PACKAGE_NAME_RE = /^(?:@[a-z0-9][a-z0-9-]*\/)?[a-z0-9][a-z0-9._-]{0,62}$/
export const VERSION_RE =
  /^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/
export const RUNTIME_REF_RE = /^[a-z][a-z0-9-]*:[0-9][0-9.]*$/
export const SIGNAL_RE = /^SIG[A-Z0-9]+$/
export const UNIT_NAME_RE = /^[A-Za-z0-9:_.@-]+\.(?:service|target|socket|mount|timer|path|slice|scope)$/

export const duration = v.pipe(v.string(), v.regex(DURATION_RE, 'must be a duration like "30s", "5m" or "1m30s"'))
export const size = v.pipe(v.string(), v.regex(SIZE_RE, 'must be a size like "512M" or "2G"'))
export const percent = v.pipe(v.string(), v.regex(PERCENT_RE, 'must be a percentage like "50%" or "200%"'))
export const absolutePath = v.pipe(
  v.string(),
  v.startsWith('/', 'must be an absolute path'),
  v.check((p) => !p.split('/').includes('..'), 'must not contain ".."'),
)
/** A path inside the package, relative to its root, that cannot climb out. */
export const packagePath = v.pipe(
  v.string(),
  v.minLength(1, 'must not be empty'),
  v.check((p) => !p.startsWith('/'), 'must be relative to the package root'),
  v.check((p) => !p.split('/').includes('..'), 'must not contain ".."'),
)
export const unitName = v.pipe(v.string(), v.regex(UNIT_NAME_RE, 'must be a systemd unit name like "db.service"'))

export type Duration = v.InferOutput<typeof duration>

/** Parses "1m30s" into milliseconds. The input must already match DURATION_RE. */
export function durationToMs(text: string): number {
  const unit: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}
  let total = 0
  for (const [, n, u] of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * (unit[u as string] ?? 0)
  return total
}

/** Parses "512M", "2GiB", "1024" into bytes. The input must already match SIZE_RE. */
export function sizeToBytes(text: string): number {
  const m = /^(\d+)([KMGT])?/.exec(text)
  if (!m) throw new Error(`not a size: ${text}`)
  const power = m[2] ? 'KMGT'.indexOf(m[2]) + 1 : 0
  return Number(m[1]) * 1024 ** power
}
