import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Logs extends NisoCommand {
  static override summary = "Show an app's logs from journald (docker logs)."

  static override examples = [
    '<%= config.bin %> logs my-api -n 100',
    '<%= config.bin %> logs my-api -f',
    '<%= config.bin %> logs my-api --since "10 min ago"',
  ]

  static override args = {name: Args.string({description: 'app', required: true})}

  static override flags = {
    follow: Flags.boolean({char: 'f', description: 'keep printing new lines until interrupted'}),
    lines: Flags.integer({char: 'n', description: 'number of lines', default: 50}),
    since: Flags.string({
      description: 'only lines since this time (journalctl syntax, e.g. "1h ago", "2026-11-23 10:00")',
    }),
  }

  public async run(): Promise<void> {
    const {args, flags} = await this.parse(Logs)
    const [{nisoPaths}, {serviceLayout}, {spawn}] = await Promise.all([
      import('../core/paths.js'),
      import('../core/activation/layout.js'),
      import('node:child_process'),
    ])
    const unit = serviceLayout(nisoPaths(), args.name).unitName
    const argv = ['-u', unit, '--no-pager', '-o', 'short-iso', '-n', String(flags.lines)]
    if (flags.since) argv.push('--since', flags.since)
    if (flags.follow) argv.push('-f')
    const code = await new Promise<number>((resolve) => {
      const child = spawn('journalctl', argv, {stdio: 'inherit'})
      child.on('error', () => resolve(127))
      child.on('exit', (c) => resolve(c ?? 0))
    })
    if (code !== 0) this.exit(code)
  }
}
