import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Rollback extends NisoCommand {
  static override summary = 'Go back to the previous version: a symlink swap and a restart, no download or rebuild.'

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(Rollback)
    const [{nisoPaths}, {rollback}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/activation/lifecycle.js'),
    ])
    const r = await rollback(nisoPaths(), args.name)
    this.log(r.message)
    await this.config.runHook('niso:rolled-back', {app: args.name, version: r.to, unit: '', previousVersion: r.from})
    return r
  }
}
