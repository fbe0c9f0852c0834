/** Short human forms for status tables: uptimes and CPU time. */

/** 42s, 12m, 3h04m, 2d03h; `-` when unknown. */
export function formatUptime(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '-'
  const s = Math.floor(seconds)
  if (s < 60) return `${s}s`
  if (s < 3600) return `${Math.floor(s / 60)}m`
  const pad = (n: number) => String(n).padStart(2, '0')
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`
  return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`
}

/** 850ms, 12.3s, 4m07s, 2h05m; `-` when unknown. */
export function formatCpu(nsec: number | null | undefined): string {
  if (nsec === null || nsec === undefined || !Number.isFinite(nsec) || nsec < 0) return '-'
  const ms = nsec / 1e6
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.floor(ms / 1000)
  const pad = (n: number) => String(n).padStart(2, '0')
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`
  return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`
}
