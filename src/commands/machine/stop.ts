import {Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class MachineStop extends NisoCommand {
  static override summary = 'Power off a machine and remove what it left on the host.'

  static override examples = ['<%= config.bin %> machine stop', '<%= config.bin %> machine stop --name ci --kill']

  static override flags = {
    name: Flags.string({description: 'machine name', default: 'niso', env: 'NISO_MACHINE'}),
    kill: Flags.boolean({description: 'kill PID 1 at once instead of a clean poweroff'}),
    timeout: Flags.integer({description: 'seconds to wait for a clean poweroff before killing', default: 10, min: 0}),
    purge: Flags.boolean({description: "also delete a persistent machine's overlay"}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(MachineStop)
    const [{nisoPaths}, {stopMachine}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
    ])
    const r = await stopMachine(nisoPaths(), {
      name: flags.name,
      kill: flags.kill,
      timeoutMs: flags.timeout * 1000,
      purge: flags.purge,
    })
    if (!r.wasRunning) this.log(`machine ${r.name} is not running`)
    else this.log(`machine ${r.name} stopped${r.killed ? ' (killed)' : ''} in ${(r.stopMs / 1000).toFixed(2)}s`)
    if (r.purged) this.log(`deleted the persistent overlay of ${r.name}`)
    return r
  }
}
