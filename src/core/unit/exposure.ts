/**
 * `systemd-analyze security` results, parsed, and niso's "effective" exposure. The tool gives no
 * credit for NetworkNamespacePath= (it reports "Service has access to the host's network"), even
 * though niso's namespace is private and firewalled; the effective score takes that check's
 * exposure back out. Pure: the system side (src/system/security-score.ts) runs the tool.
 */
export interface SecurityCheck {
  /** "PrivateNetwork=", "SystemCallFilter=~@privileged", … */
  readonly name: string
  readonly ok: boolean
  readonly description: string
  /** This check's share of the overall exposure (0 when it passes). */
  readonly exposure: number
}

export interface SecurityReport {
  /** 0.0 (best) … 10.0 (worst), as systemd prints it. */
  readonly score: number
  /** OK, SAFE, MEDIUM, EXPOSED, UNSAFE, DANGEROUS, PERFECT. */
  readonly label: string
  readonly checks: readonly SecurityCheck[]
}

/** Parses `systemd-analyze security --offline=true <unit>` text output. */
export function parseSecurityReport(stdout: string): SecurityReport {
  const overall = /Overall exposure level for [^:]+: (\d+\.\d) (\S+)/.exec(stdout)
  if (!overall) throw new Error(`no overall exposure in systemd-analyze output: ${stdout.slice(0, 200)}`)
  const checks: SecurityCheck[] = []
  for (const line of stdout.split('\n')) {
    const m = /^([✓✗])\s+(\S+)\s+(.*?)\s*(\d+\.\d)?\s*$/.exec(line)
    if (!m || m[2] === 'NAME') continue
    checks.push({name: m[2] ?? '', ok: m[1] === '✓', description: m[3] ?? '', exposure: m[4] ? Number(m[4]) : 0})
  }
  return {score: Number(overall[1]), label: overall[2] ?? '', checks}
}

export interface EffectiveScore {
  readonly score: number
  /** What was credited, for display: "PrivateNetwork= (niso network namespace)". */
  readonly credited: readonly string[]
}

/**
 * The exposure with niso's own isolation counted: when the unit joins a network namespace
 * (NetworkNamespacePath=, set by niso's network backend), the "access to the host's network"
 * check is credited. The per-check figures are rounded to 0.1, so the result is too.
 */
export function effectiveScore(report: SecurityReport, unitText: string): EffectiveScore {
  const credited: string[] = []
  let score = report.score
  if (/^NetworkNamespacePath=\S/m.test(unitText)) {
    const check = report.checks.find((c) => c.name === 'PrivateNetwork=' && !c.ok)
    if (check) {
      score -= check.exposure
      credited.push('PrivateNetwork= (niso network namespace)')
    }
  }
  return {score: Math.max(0, Math.round(score * 10) / 10), credited}
}

/** A unit's exposure as `activate --dry-run` and `debug` show it. */
export interface Exposure {
  readonly score: number
  readonly label: string
  readonly effective: number
  readonly credited: readonly string[]
  /** The preset's budget, when it declares one. */
  readonly budget?: number
}

export function exposureOf(report: SecurityReport, unitText: string, budget?: number): Exposure {
  const effective = effectiveScore(report, unitText)
  return {
    score: report.score,
    label: report.label,
    effective: effective.score,
    credited: effective.credited,
    ...(budget === undefined ? {} : {budget}),
  }
}

/** "1.0 OK (preset budget 1.0); effective 0.5 (credits PrivateNetwork= (niso network namespace))". */
export function exposureText(e: Exposure): string {
  const budget = e.budget === undefined ? '' : ` (preset budget ${e.budget.toFixed(1)})`
  const credits = e.credited.length ? ` (credits ${e.credited.join(', ')})` : ' (nothing to credit)'
  return `${e.score.toFixed(1)} ${e.label}${budget}; effective ${e.effective.toFixed(1)}${credits}`
}
