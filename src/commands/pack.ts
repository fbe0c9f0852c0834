import path from 'node:path'

import {Flags} from '@oclif/core'

import {DEFAULT_ZSTD_LEVEL, MAX_ZSTD_LEVEL, MIN_ZSTD_LEVEL} from '../core/package/format.js'
import {NisoCommand} from '../ui/base-command.js'

export default class Pack extends NisoCommand {
  static override summary = 'Build a .niso package from the manifest.toml in this directory.'

  static override description = `Writes <name>-<version>-<arch>.niso: a zstd-compressed tar whose first entry is manifest.toml, then checksums.sha256 (SHA-256 of every file), then signature.ed25519 with --sign, then the files.

What goes in: [copy].include selects paths (globs as in .gitignore; a directory brings its contents; without it, the whole directory), .nisoignore leaves paths out, and an include that names an ignored path wins. .git/, *.niso and secret keys are always left out. See the final list with --list.

The arch is [package].arch, or this machine's (written into the packed manifest). The same tree packs to the same bytes: entries sorted, owners 0, modes 0644/0755, mtime from SOURCE_DATE_EPOCH (else 0).`

  static override examples = [
    '<%= config.bin %> pack',
    '<%= config.bin %> pack --sign ./keys/niso-signing.key --output dist/',
    '<%= config.bin %> pack --binary ./target/release/my-api',
    '<%= config.bin %> pack --list',
  ]

  static override flags = {
    binary: Flags.string({description: 'add this file as bin/<entrypoint> (mode 0755)', helpValue: 'PATH'}),
    sign: Flags.string({description: 'sign with this secret key (from niso keygen)', helpValue: 'KEY'}),
    output: Flags.string({char: 'o', description: 'directory to write the package into', helpValue: 'DIR'}),
    dir: Flags.string({description: 'directory holding manifest.toml', default: '.', helpValue: 'DIR'}),
    list: Flags.boolean({description: 'print the files that would be packed, and write nothing'}),
    level: Flags.integer({
      description: `zstd compression level (${MIN_ZSTD_LEVEL}-${MAX_ZSTD_LEVEL})`,
      default: DEFAULT_ZSTD_LEVEL,
      min: MIN_ZSTD_LEVEL,
      max: MAX_ZSTD_LEVEL,
    }),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(Pack)
    const [{planPack, writePackage}, {humanSize}] = await Promise.all([
      import('../system/archive/pack.js'),
      import('../core/package/human-size.js'),
    ])
    const dir = path.resolve(flags.dir)
    const request = {
      dir,
      outputDir: path.resolve(flags.output ?? flags.dir),
      binary: flags.binary,
      signKey: flags.sign,
      level: flags.level,
      sourceDateEpoch: process.env.SOURCE_DATE_EPOCH,
    }
    const plan = planPack(request)
    for (const warning of plan.warnings) this.warnLine(warning)
    if (flags.list) {
      const files = ['manifest.toml', ...plan.entries.filter((e) => e.kind !== 'dir').map((e) => e.path)].sort((a, b) =>
        Buffer.compare(Buffer.from(a), Buffer.from(b)),
      )
      if (!this.jsonEnabled()) for (const f of files) this.log(f)
      return {name: plan.manifest.package.name, version: plan.manifest.package.version, arch: plan.arch, files}
    }
    const result = await writePackage(plan, request)
    this.log(`${shownPath(result.path)} (${humanSize(result.size)})`)
    return result
  }
}

/** "./my-api-1.0.0-x86_64.niso" below the current directory, else the absolute path. */
function shownPath(file: string): string {
  const rel = path.relative(process.cwd(), file)
  return rel.startsWith('..') || path.isAbsolute(rel) ? file : `./${rel}`
}
