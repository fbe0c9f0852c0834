import {Args} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class NetInspect extends NisoCommand {
  static override summary = "Show a network's bridge, subnet and each service's address and ports."

  static override args = {name: Args.string({description: 'network name', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(NetInspect)
    const [{nisoPaths}, {inspectNetwork}, {renderTable}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/networks.js'),
      import('../../ui/table.js'),
    ])
    const n = await inspectNetwork(nisoPaths(), args.name)
    if (!this.jsonEnabled()) {
      this.log(`Network: ${n.name}\nSubnet:  ${n.subnet}\nGateway: ${n.gateway}\nBridge:  ${n.bridge}\n`)
      this.log(
        n.services.length
          ? renderTable(
              [
                {header: 'SERVICE', value: (s: (typeof n.services)[number]) => s.name},
                {header: 'IP', value: (s) => s.ip},
                {header: 'HOSTNAME', value: (s) => `${s.hostname}.niso.local`},
                {header: 'PORTS', value: (s) => s.ports.join(' ') || '-'},
              ],
              n.services,
            ).trimEnd()
          : 'No services attached',
      )
    }
    return n
  }
}
