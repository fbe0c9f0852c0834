import {Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class List extends NisoCommand {
  static override summary = 'List installed package versions and which one is active.'

  static override examples = ['<%= config.bin %> list', '<%= config.bin %> list --format json']

  static override flags = {
    format: Flags.string({description: 'output format', options: ['table', 'json'], default: 'table'}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(List)
    const [{nisoPaths}, {listInstalled}, {renderTable}, {humanSize}, live] = await Promise.all([
      import('../core/paths.js'),
      import('../system/store/list.js'),
      import('../ui/table.js'),
      import('../core/package/human-size.js'),
      import('../system/services/live-status.js'),
    ])
    const rows = await live.withLiveStatus(nisoPaths(), await listInstalled(nisoPaths()))
    if (flags.format === 'json' && !this.jsonEnabled()) {
      process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`)
    } else if (!this.jsonEnabled()) {
      process.stdout.write(
        renderTable(
          live.withLiveColumns<(typeof rows)[number]>([
            {header: 'NAME', value: (r) => r.name},
            {header: 'VERSION', value: (r) => r.version},
            {header: 'STATUS', value: (r) => r.status},
            {header: 'ARCH', value: (r) => r.arch},
            {header: 'SIZE', value: (r) => humanSize(r.unpackedSize), right: true},
            {header: 'SIGNED BY', value: (r) => r.signedBy ?? (r.trust === 'unsigned' ? '-' : 'unverified')},
            {header: 'INSTALLED', value: (r) => r.installedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')},
          ]),
          rows,
        ),
      )
    }
    return rows
  }
}
