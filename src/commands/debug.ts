import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Debug extends NisoCommand {
  static override summary =
    'Everything about one service: live unit, drop-ins, rootfs mounts, exposure, health history, labels, logs.'

  static override description = `Shows the unit file systemd loaded and its drop-ins (<unit>.d/*.conf), the rootfs mounts as systemd parsed them (RootDirectory=, Bind*Paths=, TemporaryFileSystem=), the systemd-analyze security exposure of the unit with its drop-ins plus the effective score that credits niso's network namespace, the health record and history from the state DB, the version's labels and the last log lines.`

  static override examples = ['<%= config.bin %> debug my-api', '<%= config.bin %> debug my-api -n 50 --json']

  static override args = {name: Args.string({description: 'activated app', required: true})}

  static override flags = {
    lines: Flags.integer({char: 'n', description: 'log lines to show', default: 20, min: 0}),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(Debug)
    const [{nisoPaths}, {debugService}, {debugLines}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/services/debug-service.js'),
      import('../core/services/debug-view.js'),
    ])
    const report = await debugService(nisoPaths(), args.name, flags.lines)
    if (!this.jsonEnabled()) this.log(debugLines(report).join('\n'))
    return report
  }
}
