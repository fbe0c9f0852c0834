import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Status extends NisoCommand {
  static override summary = 'Show services: state and health, uptime and memory from systemd (docker ps).'

  static override description = `Without NAME, one line per service niso activated: NAME VERSION STATUS HEALTH UPTIME MEMORY PID. HEALTH is healthy, unhealthy or starting from the service's checks, "running" when its version has no [healthcheck], and "-" when it is not running. With NAME, that service in detail (main PID, previous version, failed probes, tasks, CPU, enabled) with its last 5 log lines.`

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status my-api',
    '<%= config.bin %> status --json',
  ]

  static override args = {name: Args.string({description: 'one app (default: all)'})}

  public async run(): Promise<object> {
    const {args} = await this.parse(Status)
    const [{nisoPaths}, {serviceDetail, serviceStatuses}, {NisoError}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/services/service-status.js'),
      import('../core/errors.js'),
    ])
    const paths = nisoPaths()
    if (args.name) {
      const detail = await serviceDetail(paths, args.name)
      if (!detail) throw new NisoError('E_NOT_ACTIVE', `${args.name} was never activated here`)
      if (!this.jsonEnabled())
        this.log((await import('../core/services/status-view.js')).detailLines(detail).join('\n'))
      return detail
    }
    const rows = await serviceStatuses(paths)
    if (this.jsonEnabled()) return rows
    if (rows.length === 0) {
      this.log('No services (niso activate NAME)')
      return rows
    }
    const [{renderTable}, {humanSize}, {formatUptime}] = await Promise.all([
      import('../ui/table.js'),
      import('../core/package/human-size.js'),
      import('../core/services/format.js'),
    ])
    process.stdout.write(
      renderTable(
        [
          {header: 'NAME', value: (r) => r.name},
          {header: 'VERSION', value: (r) => r.version ?? '-'},
          {header: 'STATUS', value: (r) => r.status},
          {header: 'HEALTH', value: (r) => r.health},
          {header: 'UPTIME', value: (r) => formatUptime(r.uptimeSeconds)},
          {header: 'MEMORY', value: (r) => (r.memoryBytes === null ? '-' : humanSize(r.memoryBytes)), right: true},
          {header: 'PID', value: (r) => (r.mainPid > 0 ? String(r.mainPid) : '-'), right: true},
        ],
        rows,
      ),
    )
    return rows
  }
}
