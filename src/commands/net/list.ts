import {NisoCommand} from '../../ui/base-command.js'

export default class NetList extends NisoCommand {
  static override summary = 'List networks with their subnets and attached services.'

  public async run(): Promise<object> {
    await this.parse(NetList)
    const [{nisoPaths}, {listNetworks}, {renderTable}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/networks.js'),
      import('../../ui/table.js'),
    ])
    const rows = await listNetworks(nisoPaths())
    if (!this.jsonEnabled()) {
      this.log(
        rows.length
          ? renderTable(
              [
                {header: 'NAME', value: (r: (typeof rows)[number]) => r.name},
                {header: 'SUBNET', value: (r) => r.subnet},
                {header: 'SERVICES', value: (r) => r.services.map((s) => s.name).join(', ') || '-'},
              ],
              rows,
            ).trimEnd()
          : 'No networks (niso-default is created with the first service)',
      )
    }
    return rows
  }
}
