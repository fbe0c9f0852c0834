import {spawnSync} from 'node:child_process'
import path from 'node:path'

/**
 * Benchmark helpers: every figure is a ratio against a baseline measured in the same run, in
 * interleaved rounds (round r runs every case once), reported as the median of per-round ratios.
 */
export interface Measurement {
  ms: number
  /** User + system CPU time of the timed process tree (what it waited for), in ms. */
  cpuMs: number
  rssMiB: number
}

export interface BenchCase {
  name: string
  /** Shell command to time (run through sh -c); the first case of a group is its baseline. */
  command: string
  /** Runs before each timed run and is not timed (clean up outputs, drop caches...). */
  before?: string
}

const probe = path.join(import.meta.dirname, 'run-measured.py')

/**
 * Where commands run: on this host by default, or through a prefix that runs an argv elsewhere
 * (e.g. `niso machine exec --name M --`), so the timer runs next to what it times.
 */
export type Via = readonly string[]

export function measureCommand(command: string, env: NodeJS.ProcessEnv = process.env, via: Via = []): Measurement {
  const argv = [...via, 'env', 'BENCH_QUIET=1', 'python3', probe, 'sh', '-c', command]
  const r = spawnSync(argv[0] as string, argv.slice(1), {env, encoding: 'utf8'})
  const last = r.stderr.trim().split('\n').at(-1) ?? ''
  const parsed = JSON.parse(last) as {ms: number; cpuMs: number; rssKiB: number; code: number}
  if (parsed.code !== 0) throw new Error(`benchmark command failed (${parsed.code}): ${command}\n${r.stderr}`)
  return {ms: parsed.ms, cpuMs: parsed.cpuMs, rssMiB: parsed.rssKiB / 1024}
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

export interface GroupResult {
  name: string
  medianMs: number
  medianCpuMs: number
  medianRssMiB: number
  /** Median of per-round time ratios against the group's baseline (first case). */
  ratio: number
}

export function runGroup(
  cases: BenchCase[],
  rounds: number,
  env: NodeJS.ProcessEnv = process.env,
  via: Via = [],
): GroupResult[] {
  const samples = cases.map(() => [] as Measurement[])
  for (let r = 0; r < rounds; r++) {
    cases.forEach((c, i) => {
      if (c.before) {
        const argv = [...via, 'sh', '-c', c.before]
        spawnSync(argv[0] as string, argv.slice(1), {stdio: 'ignore', env})
      }
      samples[i]?.push(measureCommand(c.command, env, via))
    })
  }
  const base = samples[0] ?? []
  return cases.map((c, i) => {
    const s = samples[i] ?? []
    return {
      name: c.name,
      medianMs: median(s.map((m) => m.ms)),
      medianCpuMs: median(s.map((m) => m.cpuMs)),
      medianRssMiB: median(s.map((m) => m.rssMiB)),
      ratio: median(s.map((m, r) => m.ms / (base[r]?.ms ?? m.ms))),
    }
  })
}

export function printGroup(title: string, results: GroupResult[]): void {
  console.log(`\n## ${title}`)
  for (const r of results) {
    console.log(
      `${r.name.padEnd(48)} ${r.medianMs.toFixed(1).padStart(9)} ms  cpu ${r.medianCpuMs.toFixed(0).padStart(5)} ms  ${r.medianRssMiB.toFixed(1).padStart(7)} MiB  x${r.ratio.toFixed(2)}`,
    )
  }
}

/** Prints a checked target line: "PASS|FAIL label: value (limit)". Returns whether it passed. */
export function check(label: string, value: number, limit: number, unit = ''): boolean {
  const ok = value <= limit
  console.log(`${ok ? 'PASS' : 'FAIL'} ${label}: ${value.toFixed(2)}${unit} (limit ${limit}${unit})`)
  return ok
}
