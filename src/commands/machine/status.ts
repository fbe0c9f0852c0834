import {Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class MachineStatus extends NisoCommand {
  static override summary = "Show a machine's state (systemctl is-system-running inside), PID, uptime and overlay."

  static override examples = ['<%= config.bin %> machine status', '<%= config.bin %> machine status --name ci --json']

  static override flags = {
    name: Flags.string({description: 'machine name', default: 'niso', env: 'NISO_MACHINE'}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(MachineStatus)
    const [{nisoPaths}, {machineStatus}, {formatUptime}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
      import('../../system/machine/format.js'),
    ])
    const s = await machineStatus(nisoPaths(), flags.name)
    const rows: [string, string][] = [
      ['name', s.name],
      ['state', s.state],
      ['pid', s.pid === null ? '-' : String(s.pid)],
      ['uptime', s.uptimeSeconds === null ? '-' : formatUptime(s.uptimeSeconds)],
      ['target', s.target ?? '-'],
      ['upper', s.upper ?? '-'],
    ]
    if (s.failedUnits.length > 0) rows.push(['failed', s.failedUnits.join(', ')])
    if (s.state === 'stale') rows.push(['note', `its PID 1 is gone: niso machine stop --name ${s.name} cleans up`])
    this.log(rows.map(([k, v]) => `${k.padEnd(7)} ${v}`).join('\n'))
    return s
  }
}
