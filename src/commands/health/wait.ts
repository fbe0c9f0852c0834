import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class HealthWait extends NisoCommand {
  static override summary = 'Wait until a service passes its first health probe (its unit runs this as ExecStartPost=).'

  static override description = `Probes until the first pass (25 ms apart at first, the gap doubling up to 250 ms–1 s), for at most start_period + retries × (interval + timeout), then exits non-zero with the last probe's detail. As ExecStartPost= of the service's unit it makes "started" mean "healthy", so After=/Requires= on the unit wait for health, at boot too. The [healthcheck] comes from the version the live unit points at (or --plan).`

  static override examples = [
    '<%= config.bin %> health wait my-api',
    '<%= config.bin %> health wait my-api --timeout 2m',
  ]

  static override args = {name: Args.string({description: 'app', required: true})}

  static override flags = {
    timeout: Flags.string({description: 'give up after this long (e.g. 90s, 2m) instead of the derived budget'}),
    plan: Flags.string({description: 'plan.json to take the [healthcheck] from (default: the live unit’s version)'}),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(HealthWait)
    const [{nisoPaths}, {waitHealthy}, {parseTimeout}, {NisoError}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/services/health-wait.js'),
      import('../../core/services/timeout.js'),
      import('../../core/errors.js'),
    ])
    const timeoutMs = flags.timeout === undefined ? undefined : parseTimeout(flags.timeout)
    if (flags.timeout !== undefined && timeoutMs === undefined) {
      throw new NisoError('E_USAGE', `--timeout ${flags.timeout}: not a duration (e.g. 45, 30s, 2m, 1m30s)`)
    }
    const r = await waitHealthy(nisoPaths(), args.name, {
      ...(timeoutMs === undefined ? {} : {timeoutMs}),
      ...(flags.plan === undefined ? {} : {planFile: flags.plan}),
    })
    this.log(
      r.probes === 0
        ? `${r.app} ${r.version}: ${r.detail}, nothing to wait for`
        : `${r.app} ${r.version}: healthy in ${(r.ms / 1000).toFixed(1)}s (${r.detail})`,
    )
    return r
  }
}
