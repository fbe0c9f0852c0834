import {Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Init extends NisoCommand {
  static override summary = 'Start a package: write a commented manifest.toml and .nisoignore.'

  static override description = `Writes manifest.toml and .nisoignore for a Node.js, Python or compiled-binary app into the current directory (or --dir), ready for "niso pack". A tiny sample app (server.js and package.json, or app.py) is written only where no file of that name exists, so "niso init && niso pack" works in an empty directory. An existing manifest.toml is never replaced unless --force; an existing .nisoignore is kept unless --force.`

  static override examples = [
    '<%= config.bin %> init --template node',
    '<%= config.bin %> init --template python --name my-api',
    '<%= config.bin %> init --template binary && <%= config.bin %> pack --binary ./target/release/my-api',
  ]

  static override flags = {
    template: Flags.string({
      char: 't',
      description: 'kind of app',
      options: ['node', 'python', 'binary'],
      default: 'node',
    }),
    name: Flags.string({description: 'package name (default: the directory name)'}),
    dir: Flags.string({description: 'directory to write into', default: '.', helpValue: 'DIR'}),
    force: Flags.boolean({description: 'replace an existing manifest.toml and .nisoignore'}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(Init)
    const {initPackage} = await import('../system/init.js')
    const result = await initPackage({
      dir: flags.dir,
      template: flags.template as 'node' | 'python' | 'binary',
      name: flags.name,
      force: flags.force,
    })
    for (const f of result.files) this.log(`${f.action === 'kept' ? 'Kept' : 'Created'} ${f.path}`)
    this.log(
      result.template === 'binary'
        ? `Next: niso pack --binary PATH   (packs ${result.name} with your built binary as bin/${result.name})`
        : `Next: niso pack   (see what goes in with: niso pack --list)`,
    )
    return result
  }
}
