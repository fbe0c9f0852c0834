import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class PortForward extends NisoCommand {
  static override summary = 'Map a host port to a running service without restarting it.'

  static override examples = [
    '<%= config.bin %> port-forward my-api 8081:8080',
    '<%= config.bin %> port-forward dns 5353:53/udp',
    '<%= config.bin %> port-forward my-api 8081:8080 --remove',
  ]

  static override args = {
    name: Args.string({description: 'active service', required: true}),
    mapping: Args.string({description: 'HOST:CONTAINER[/udp] or IP:HOST:CONTAINER', required: true}),
  }

  static override flags = {remove: Flags.boolean({description: 'drop the mapping instead'})}

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(PortForward)
    const [{nisoPaths}, {parsePort, formatPort}, {portForward}, {netHost}] = await Promise.all([
      import('../core/paths.js'),
      import('../core/net/ports.js'),
      import('../system/net/attach.js'),
      import('../system/net/net-host.js'),
    ])
    const mapping = parsePort(args.mapping, 'port-forward')
    const paths = nisoPaths()
    const message = await portForward(await netHost(this.config, paths), args.name, mapping, flags.remove)
    this.log(message)
    return {service: args.name, mapping: formatPort(mapping), removed: flags.remove}
  }
}
