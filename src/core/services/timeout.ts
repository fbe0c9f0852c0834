const UNIT_MS: Readonly<Record<string, number>> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000}

/**
 * A `--timeout` value in milliseconds: a manifest-style duration ("90s", "2m", "1m30s") or plain
 * seconds ("45"); undefined when it is neither. (Parsed here rather than through the SDK, whose
 * import would cost every health-gated start.)
 */
export function parseTimeout(text: string): number | undefined {
  const t = text.trim()
  if (/^\d+$/.test(t)) return Number(t) * 1000
  if (!/^(?:\d+(?:ms|s|m|h|d))+$/.test(t)) return undefined
  let total = 0
  for (const [, n, u] of t.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * (UNIT_MS[u ?? ''] ?? 0)
  return total
}
