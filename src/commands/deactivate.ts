import {Args} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Deactivate extends NisoCommand {
  static override summary = 'Stop and disable an app; its versions stay installed and activated for a quick return.'

  static override description = `Runs pre_deactivate inside the service's sandbox (if it fails, nothing is stopped), stops and disables niso-<name>.service and its health timer, runs post_deactivate, removes the live unit links and reloads systemd. The version directories are kept. An app that is not active is reported, with exit 0.`

  static override examples = ['<%= config.bin %> deactivate my-api']

  static override args = {name: Args.string({description: 'active app', required: true})}

  public async run(): Promise<object> {
    const {args} = await this.parse(Deactivate)
    const [{nisoPaths}, {deactivate}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/services/deactivate.js'),
    ])
    const {netHost} = await import('../system/net/net-host.js')
    const quiet = this.jsonEnabled()
    const paths = nisoPaths()
    const r = await deactivate(
      paths,
      args.name,
      (line) => quiet || process.stderr.write(`  ${line}\n`),
      await netHost(this.config, paths),
    )
    for (const w of r.warnings) this.warnLine(w)
    this.log(r.message)
    if (r.version)
      await this.config.runHook('niso:deactivated', {app: args.name, version: r.version, unit: r.stopped[0] ?? ''})
    return r
  }
}
