import {type Healthcheck, durationToMs} from '@niso/plugin-sdk'

/**
 * A manifest's [healthcheck] with defaults filled in (Docker's: interval 30s, timeout 30s,
 * retries 3, start period 0), and the budgets derived from it.
 */
export type Probe =
  | {readonly kind: 'http'; readonly url: string}
  | {readonly kind: 'tcp'; readonly host: string; readonly port: number}
  | {readonly kind: 'exec'; readonly command: readonly string[]}

export interface ProbeSpec {
  readonly probe: Probe
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly retries: number
  readonly startPeriodMs: number
}

export function probeSpec(h: Healthcheck): ProbeSpec {
  const probe: Probe = h.http
    ? {kind: 'http', url: h.http}
    : h.tcp
      ? {
          kind: 'tcp',
          host: h.tcp.slice(0, h.tcp.lastIndexOf(':')),
          port: Number(h.tcp.slice(h.tcp.lastIndexOf(':') + 1)),
        }
      : {kind: 'exec', command: h.exec ?? []}
  return {
    probe,
    intervalMs: durationToMs(h.interval ?? '30s'),
    timeoutMs: durationToMs(h.timeout ?? '30s'),
    retries: h.retries ?? 3,
    startPeriodMs: durationToMs(h.start_period ?? '0s'),
  }
}

/**
 * How long a start may wait for the first passing probe: the start period, then `retries`
 * failed probes spaced by the interval. The unit's TimeoutStartSec is derived from it, so a long
 * start period can never hit systemd's default 90 s start timeout.
 */
export function startBudgetMs(spec: ProbeSpec): number {
  return spec.startPeriodMs + spec.retries * (spec.intervalMs + spec.timeoutMs)
}

/** The longest gap between probes while waiting for the first pass (they start 25 ms apart). */
export function startPollMs(spec: ProbeSpec): number {
  return Math.max(250, Math.min(1000, spec.intervalMs))
}

export function describeProbe(p: Probe): string {
  switch (p.kind) {
    case 'http':
      return `GET ${p.url}`
    case 'tcp':
      return `tcp ${p.host}:${p.port}`
    case 'exec':
      return `exec ${p.command.join(' ')}`
  }
}
