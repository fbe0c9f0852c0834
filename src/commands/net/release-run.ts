import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class NetReleaseRun extends NisoCommand {
  static override hidden = true

  static override summary = "Free a finished `niso run`'s network attachment (run by its cleanup unit)."

  static override args = {id: Args.string({description: "the run's id (the cleanup unit's instance)", required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(NetReleaseRun)
    const [{nisoPaths}, {netHost}, {releaseRun}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/net-host.js'),
      import('../../system/run/run-network.js'),
    ])
    const paths = nisoPaths()
    const released = await releaseRun(await netHost(this.config, paths), args.id)
    this.log(
      released ? `Released the network attachment of run ${args.id}` : `Run ${args.id} had no network attachment`,
    )
    return {id: args.id, released}
  }
}
