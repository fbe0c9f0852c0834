import {Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class MachineShell extends NisoCommand {
  static override summary = 'Open an interactive root shell (bash) inside a machine.'

  static override examples = ['<%= config.bin %> machine shell', '<%= config.bin %> machine shell --name ci']

  static override flags = {
    name: Flags.string({description: 'machine name', default: 'niso', env: 'NISO_MACHINE'}),
  }

  public async run(): Promise<void> {
    const {flags} = await this.parse(MachineShell)
    const [{nisoPaths}, {runningMachine}, {execInteractive}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
      import('../../system/machine/exec.js'),
    ])
    const record = runningMachine(nisoPaths(), flags.name)
    process.exitCode = await execInteractive(record, '/bin/bash', ['--login'], {cwd: '/root'})
  }
}
