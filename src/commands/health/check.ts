import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class HealthCheck extends NisoCommand {
  static override summary = "Probe an active service once and act on the result (run by the service's health timer)."

  static override description = `Probes from where the service lives (exec probes inside its rootfs and namespaces as its user; HTTP and TCP in its network namespace) and records the result in the state DB. After [healthcheck].retries consecutive failures it runs the on_unhealthy hook inside the service's sandbox, restarts the service and resets the counter. Exits 0 whatever the probe says, so the timer keeps firing.`

  static override examples = ['<%= config.bin %> health check my-api', '<%= config.bin %> health check my-api --json']

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(HealthCheck)
    const [{nisoPaths}, {checkHealth}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/services/health-check.js'),
    ])
    const quiet = this.jsonEnabled()
    const r = await checkHealth(nisoPaths(), args.name, (line) => quiet || this.log(line))
    return r
  }
}
