import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Exec extends NisoCommand {
  static override summary = 'Run a command inside a running app: its rootfs and namespaces, as its user (docker exec).'

  static override description = `Joins the main process's mount, UTS, IPC, network and PID namespaces, root and working directory, as its uid and gid and with the environment its unit gave it. Standard input and output pass through, and niso exits with the command's code.`

  static override strict = false

  static override examples = [
    '<%= config.bin %> exec my-api -- id',
    '<%= config.bin %> exec my-api -- /usr/local/bin/node -e "console.log(process.pid)"',
  ]

  static override args = {name: Args.string({description: 'running app', required: true})}

  public async run(): Promise<void> {
    const {args, argv} = await this.parse(Exec)
    const command = (argv as string[]).slice(1)
    const [{nisoPaths}, {execInService}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/services/exec-in-service.js'),
    ])
    const code = await execInService(nisoPaths(), args.name, command)
    if (code !== 0) this.exit(code)
  }
}
