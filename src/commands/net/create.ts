import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class NetCreate extends NisoCommand {
  static override summary = 'Create a network (its bridge comes up with its first service).'

  static override examples = [
    '<%= config.bin %> net create backend',
    '<%= config.bin %> net create lab --subnet 10.42.0.0/24',
  ]

  static override args = {name: Args.string({description: 'network name', required: true})}

  static override flags = {
    subnet: Flags.string({description: 'IPv4 CIDR (default: the next free 10.99.N.0/24)'}),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(NetCreate)
    const [{nisoPaths}, {createNetwork}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/networks.js'),
    ])
    const row = await createNetwork(nisoPaths(), args.name, flags.subnet)
    this.log(`Created network ${row.name} (${row.subnet}, bridge ${row.bridge})`)
    return row
  }
}
