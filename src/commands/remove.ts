import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Remove extends NisoCommand {
  static override summary = 'Remove an installed package version (its files, its kept archive and its record).'

  static override examples = ['<%= config.bin %> remove my-api 1.0.0', '<%= config.bin %> remove my-api:1.0.0']

  static override args = {
    name: Args.string({description: 'package name (or NAME:VERSION)', required: true}),
    version: Args.string({description: 'version to remove'}),
  }

  static override flags = {
    force: Flags.boolean({description: 'remove it even if it is the active version'}),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(Remove)
    const [{nisoPaths}, {removePackage}, {parseRef}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/store/remove.js'),
      import('../system/store/package-ref.js'),
    ])
    const {name, version} = parseRef([args.name, args.version])
    const result = await removePackage(nisoPaths(), name, version, {force: flags.force})
    if (result.wasActive) this.warnLine(`${name} ${version} was the active version; its service still refers to it`)
    this.log(`Removed ${name} ${version}`)
    return result
  }
}
