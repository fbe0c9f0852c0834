import {Args} from '@oclif/core'

import {preloadSqlJs} from '../system/state/sqljs.js'
import {NisoCommand} from '../ui/base-command.js'

export default class Rollback extends NisoCommand {
  static override summary = 'Go back to the previous version: a symlink swap and a restart, no download or rebuild.'

  static override description = `Points the live unit files at the previous version's (already rendered, rootfs already assembled), reloads systemd and restarts; the restart completes only once the version is healthy. Then current and previous swap. If the previous version does not come up, the version that was running is restored and restarted, and the error shows the last log lines.`

  static override examples = ['<%= config.bin %> rollback my-api']

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    preloadSqlJs()
    const {args} = await this.parse(Rollback)
    const [{nisoPaths}, {rollback}, {netHost}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/services/rollback.js'),
      import('../system/net/net-host.js'),
    ])
    const quiet = this.jsonEnabled()
    const paths = nisoPaths()
    const r = await rollback(
      paths,
      args.name,
      (line) => quiet || process.stderr.write(`  ${line}\n`),
      await netHost(this.config, paths),
    )
    this.log(r.message)
    await this.config.runHook('niso:rolled-back', {
      app: r.app,
      version: r.to,
      unit: r.unit,
      previousVersion: r.from,
    })
    return r
  }
}
