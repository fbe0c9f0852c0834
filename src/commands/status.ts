import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Status extends NisoCommand {
  static override summary = 'Show services: state and health, uptime and memory from systemd (docker ps).'

  static override args = {name: Args.string({description: 'one app (default: all)'})}

  public async run(): Promise<object> {
    const {args} = await this.parse(Status)
    const [{nisoPaths}, {serviceStatuses}, {renderTable}, {humanSize}, {NisoError}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/activation/service-status.js'),
      import('../ui/table.js'),
      import('../core/package/human-size.js'),
      import('../core/errors.js'),
    ])
    const rows = await serviceStatuses(nisoPaths(), args.name)
    if (args.name && rows.length === 0) throw new NisoError('E_NOT_ACTIVE', `${args.name} has never been activated`)
    if (!this.jsonEnabled()) {
      const uptime = (s: number | null) =>
        s === null
          ? '-'
          : s < 60
            ? `${s}s`
            : s < 3600
              ? `${Math.floor(s / 60)}m`
              : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`
      type Row = (typeof rows)[number]
      this.log(
        rows.length === 0
          ? 'No services (niso activate NAME)'
          : renderTable<Row>(
              [
                {header: 'NAME', value: (r) => r.name},
                {header: 'VERSION', value: (r) => r.version ?? '-'},
                {header: 'STATUS', value: (r) => r.status},
                {header: 'HEALTH', value: (r) => r.health},
                {header: 'UPTIME', value: (r) => uptime(r.uptimeSeconds)},
                {
                  header: 'MEMORY',
                  value: (r) => (r.memoryBytes === null ? '-' : humanSize(r.memoryBytes)),
                  right: true,
                },
                {header: 'PID', value: (r) => (r.mainPid ? String(r.mainPid) : '-'), right: true},
              ],
              rows,
            ).trimEnd(),
      )
    }
    return args.name ? (rows[0] ?? {}) : rows
  }
}
