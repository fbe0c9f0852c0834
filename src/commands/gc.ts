import {Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Gc extends NisoCommand {
  static override summary = 'Remove old package versions: keeps the active and previous ones plus the N newest others.'

  static override description = `Per package, keeps the active version, the previous one (what a rollback returns to) and the --keep-versions newest other versions; removes the rest. Also removes what interrupted installs left behind.`

  static override examples = [
    '<%= config.bin %> gc --keep-versions 2',
    '<%= config.bin %> gc --keep-versions 0 --dry-run',
  ]

  static override flags = {
    'keep-versions': Flags.integer({
      description: 'how many versions to keep per package besides the active and previous ones',
      default: 2,
      min: 0,
    }),
    'dry-run': Flags.boolean({description: 'only print what would be removed'}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(Gc)
    const [{nisoPaths}, {collectGarbage}, {humanSize}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/store/gc.js'),
      import('../core/package/human-size.js'),
    ])
    const result = await collectGarbage(nisoPaths(), {keepVersions: flags['keep-versions'], dryRun: flags['dry-run']})
    const verb = result.dryRun ? 'Would remove' : 'Removed'
    for (const s of result.swept) this.log(`Removed leftovers of an interrupted install: ${s}`)
    for (const v of result.removed) this.log(`${verb} ${v.name} ${v.version} (${humanSize(v.unpackedSize)})`)
    if (result.removed.length === 0) this.log('Nothing to remove')
    else {
      const total = result.removed.reduce((n, v) => n + v.unpackedSize, 0)
      this.log(`${result.dryRun ? 'Would free' : 'Freed'} ${humanSize(total)}`)
    }
    return result
  }
}
