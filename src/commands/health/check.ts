import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class HealthCheck extends NisoCommand {
  static override summary = "Probe an active service once and act on the result (run by the service's health timer)."

  static override description = `Records the result in the state DB. After [healthcheck].retries consecutive failures, runs the on_unhealthy hook inside the service's sandbox and restarts the service. Exits 0 whatever the probe says, so the timer keeps firing.`

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(HealthCheck)
    const [{nisoPaths}, {checkService}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/health/check-service.js'),
    ])
    const r = await checkService(nisoPaths(), args.name)
    this.log(
      `${r.app}: ${r.ok ? 'healthy' : `probe failed (${r.detail}), ${r.restarted ? 'unhealthy: on_unhealthy run, service restarted' : `${r.failures} consecutive failure(s)`}`}`,
    )
    return r
  }
}
