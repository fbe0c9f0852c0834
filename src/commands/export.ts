import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Export extends NisoCommand {
  static override summary = 'Write an installed version back out as the exact .niso file that was installed.'

  static override examples = [
    '<%= config.bin %> export my-api:1.0.0 -o my-api-1.0.0-x86_64.niso',
    '<%= config.bin %> export my-api:1.0.0 -o ./backups/',
  ]

  static override args = {
    ref: Args.string({description: 'NAME:VERSION of an installed package', required: true}),
  }

  static override flags = {
    output: Flags.string({
      char: 'o',
      description: 'file (or existing directory) to write; default ./<name>-<version>-<arch>.niso',
      helpValue: 'FILE',
    }),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(Export)
    const [{nisoPaths}, {exportPackage}, {parseRef}, {humanSize}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/store/export.js'),
      import('../system/store/package-ref.js'),
      import('../core/package/human-size.js'),
    ])
    const {name, version} = parseRef([args.ref])
    const result = await exportPackage(nisoPaths(), name, version, flags.output)
    this.log(`Exported ${name} ${version} to ${result.file} (${humanSize(result.size)})`)
    return result
  }
}
