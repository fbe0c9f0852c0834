import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class NetRemove extends NisoCommand {
  static override summary = 'Remove a network no service is attached to.'

  static override args = {name: Args.string({description: 'network name', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(NetRemove)
    const [{nisoPaths}, {removeNetwork}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/networks.js'),
    ])
    await removeNetwork(nisoPaths(), args.name)
    this.log(`Removed network ${args.name}`)
    return {removed: args.name}
  }
}
