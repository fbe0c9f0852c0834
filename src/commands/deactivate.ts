import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Deactivate extends NisoCommand {
  static override summary =
    'Stop and disable an app (pre/post_deactivate hooks run in its sandbox); its versions stay installed.'

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(Deactivate)
    const [{nisoPaths}, {deactivate}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/activation/lifecycle.js'),
    ])
    const r = await deactivate(nisoPaths(), args.name)
    this.log(r.message)
    if (r.version) await this.config.runHook('niso:deactivated', {app: args.name, version: r.version, unit: ''})
    return r
  }
}
