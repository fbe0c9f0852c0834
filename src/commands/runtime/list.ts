import {NisoCommand} from '../../ui/base-command.js'

export default class RuntimeList extends NisoCommand {
  static override summary = 'List installed runtimes.'

  public async run(): Promise<object> {
    await this.parse(RuntimeList)
    const [{nisoPaths}, {listRuntimes, treeSize}, {renderTable}, {humanSize}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/runtimes/store.js'),
      import('../../ui/table.js'),
      import('../../core/package/human-size.js'),
    ])
    const rows = await Promise.all(
      (await listRuntimes(nisoPaths())).map(async (r) => ({
        id: r.id,
        version: r.version,
        path: r.dir,
        source: r.source,
        size: await treeSize(r.dir),
      })),
    )
    if (!this.jsonEnabled()) {
      this.log(
        rows.length
          ? renderTable(
              [
                {header: 'ID', value: (r: (typeof rows)[number]) => r.id},
                {header: 'VERSION', value: (r) => r.version},
                {header: 'PATH', value: (r) => r.path},
                {header: 'SOURCE', value: (r) => r.source},
                {header: 'SIZE', value: (r) => humanSize(r.size), right: true},
              ],
              rows,
            ).trimEnd()
          : 'No runtimes installed (niso runtime install nodejs:20)',
      )
    }
    return rows
  }
}
