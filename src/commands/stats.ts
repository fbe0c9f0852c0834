import {Args, Flags} from '@oclif/core'

import type {ServiceStats} from '../core/services/stats.js'
import {NisoCommand} from '../ui/base-command.js'

export default class Stats extends NisoCommand {
  static override summary = 'Live CPU, memory, tasks and IO of running niso services (docker stats); also `niso top`.'

  static override description = `Reads systemd's accounting (CPUUsageNSec, MemoryCurrent, MemoryMax, TasksCurrent, IOReadBytes, IOWriteBytes) for every running niso-*.service, including niso run units, or for the NAMEs given; where systemd does not account something, the unit's cgroup v2 files (cpu.stat, memory.current, io.stat) are read instead. CPU % is the rate between two samples, of one CPU (200% = two busy CPUs); IO is the total read/written since start; "-" means neither source accounts it.

On a terminal the table refreshes in place every --interval until Ctrl-C; piped, each refresh is printed as a plain table after the last. --no-stream prints once (after one interval, to measure CPU); --json prints once, as JSON. \`niso top\` is the same command: a live, top-like view of every service (for the processes of one service, use niso exec NAME -- ps, or systemd-cgls).`

  static override aliases = ['top']

  static override examples = [
    '<%= config.bin %> stats',
    '<%= config.bin %> top',
    '<%= config.bin %> stats my-api --no-stream',
    '<%= config.bin %> stats --json',
  ]

  static override strict = false

  static override args = {name: Args.string({description: 'app names (default: every running service)'})}

  static override flags = {
    'no-stream': Flags.boolean({description: 'print one sample and exit'}),
    interval: Flags.string({description: 'time between samples', default: '1s', helpValue: 'DURATION'}),
  }

  public async run(): Promise<ServiceStats[]> {
    const {argv, flags} = await this.parse(Stats)
    const [{statsUnit, serviceStats, STATS_COLUMNS}, sampler, {renderTable}, {parseInterval}] = await Promise.all([
      import('../core/services/stats.js'),
      import('../system/services/stats-sample.js'),
      import('../ui/table.js'),
      import('../core/services/interval.js'),
    ])
    const interval = parseInterval('--interval', flags.interval)
    const named = (argv as string[]).map(statsUnit)
    if (named.length) await sampler.requireRunning(named)
    const units = async () => (named.length ? named : sampler.runningNisoUnits())
    const once = flags['no-stream'] || this.jsonEnabled()
    const tty = process.stdout.isTTY === true && !once

    let previous = new Map((await sampler.sampleUnits(await units())).map((s) => [s.unit, s]))
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, interval))
      const samples = await sampler.sampleUnits(await units())
      const rows = samples.map((s) => serviceStats(previous.get(s.unit), s))
      previous = new Map(samples.map((s) => [s.unit, s]))
      if (this.jsonEnabled()) return rows
      const table = renderTable(STATS_COLUMNS, rows)
      // On a terminal: home the cursor, draw, clear what the last frame left below.
      process.stdout.write(tty ? `\u001b[H${table.replaceAll('\n', '\u001b[K\n')}\u001b[J` : `${table}\n`)
      if (once) return rows
    }
  }
}
