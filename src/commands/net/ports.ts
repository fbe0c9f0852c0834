import {NisoCommand} from '../../ui/base-command.js'

export default class NetPorts extends NisoCommand {
  static override summary = 'List host port mappings (from manifests and port-forward).'

  public async run(): Promise<object> {
    await this.parse(NetPorts)
    const [{nisoPaths}, {listPorts}, {renderTable}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/net/networks.js'),
      import('../../ui/table.js'),
    ])
    const rows = await listPorts(nisoPaths())
    if (!this.jsonEnabled()) {
      this.log(
        rows.length
          ? renderTable(
              [
                {header: 'SERVICE', value: (r: (typeof rows)[number]) => r.service},
                {header: 'HOST', value: (r) => r.host},
                {header: 'CONTAINER', value: (r) => r.container},
                {header: 'PROTO', value: (r) => r.proto},
                {header: 'ORIGIN', value: (r) => r.origin},
              ],
              rows,
            ).trimEnd()
          : 'No ports mapped',
      )
    }
    return rows
  }
}
