import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Install extends NisoCommand {
  static override summary = 'Verify a .niso package and install it under /opt/niso/packages/<name>/<version>/.'

  static override description = `Checks the signature (keys in /etc/niso/trusted-keys/*.pub are trusted without a flag), every checksum and every entry path, then extracts into a staging directory and moves it into place. Several versions of a package coexist. Installing a version that is already installed is a no-op when the content is the same and refused when it differs.

Trust: a signature that does not verify is always refused. When any trusted key or --verify-key is configured, an unsigned package, or one signed by another key, is refused unless --allow-unsigned; with no key configured an unsigned package installs with a warning.`

  static override examples = [
    '<%= config.bin %> install my-api-1.0.0-x86_64.niso',
    '<%= config.bin %> install my-api-1.0.0-x86_64.niso --verify-key ./keys/niso-signing.pub',
  ]

  static override args = {
    file: Args.string({description: 'the .niso package file', required: true}),
  }

  static override flags = {
    'verify-key': Flags.string({
      description: 'public key (.pub) to trust for this install, on top of the trusted-keys dir',
      multiple: true,
      helpValue: 'PUB',
    }),
    'allow-unsigned': Flags.boolean({description: 'install unsigned packages, or ones signed by an unknown key'}),
    'max-size': Flags.string({
      description: 'refuse packages that unpack to more than this (e.g. 512M, 8G)',
      default: '4G',
      helpValue: 'SIZE',
    }),
  }

  /** The verb in messages; `niso import` is this command under another name. */
  protected readonly verb: {readonly command: 'install' | 'import'; readonly done: string} = {
    command: 'install',
    done: 'Installed',
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(Install)
    const [{nisoPaths}, {installPackage}, {installOptions}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/store/install.js'),
      import('../system/store/install-flags.js'),
    ])
    const result = await installPackage(
      nisoPaths(),
      args.file,
      installOptions(flags, this.verb.command, (m) => this.warnLine(m)),
    )
    this.log(
      result.status === 'installed'
        ? `${this.verb.done} ${result.name} ${result.version}`
        : `${result.name} ${result.version} is already installed (same content); nothing to do`,
    )
    return result
  }
}
