import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Logs extends NisoCommand {
  static override summary = "Show an app's logs from journald (docker logs)."

  static override description = `The journal of niso-<name>.service, with ISO timestamps: the last 50 lines by default, every line since --since when it is given, -n to choose. -f keeps printing new lines until Ctrl-C.`

  static override examples = [
    '<%= config.bin %> logs my-api -n 100',
    '<%= config.bin %> logs my-api -f',
    '<%= config.bin %> logs my-api --since "10 min ago"',
  ]

  static override args = {name: Args.string({description: 'app', required: true})}

  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'keep printing new lines until interrupted'}),
    lines: Flags.integer({char: 'n', description: 'number of lines (default 50, or all with --since)', min: 0}),
    since: Flags.string({
      description: 'only lines since this time (journalctl syntax, e.g. "1h ago", "2026-11-23 10:00")',
    }),
  }

  public async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const [{nisoPaths}, {serviceLayout}, {serviceRecord}, {showLogs}, {NisoError}] = await Promise.all([
      import('../core/paths.js'),
      import('../core/activation/layout.js'),
      import('../system/services/active-service.js'),
      import('../system/services/follow-logs.js'),
      import('../core/errors.js'),
    ])
    const paths = nisoPaths()
    if (!(await serviceRecord(paths, args.name))) {
      throw new NisoError('E_NOT_ACTIVE', `${args.name} was never activated here: no logs to show`)
    }
    const lines = flags.lines ?? (flags.since === undefined ? 50 : undefined)
    const code = await showLogs(serviceLayout(paths, args.name).unitName, {
      follow: flags.follow,
      ...(lines === undefined ? {} : {lines}),
      ...(flags.since === undefined ? {} : {since: flags.since}),
    })
    if (code !== 0) this.exit(code)
  }
}
