import {NisoCommand} from '../../ui/base-command.js'

export default class MachineList extends NisoCommand {
  static override summary = 'List machines with their state, PID and uptime.'

  static override examples = ['<%= config.bin %> machine list', '<%= config.bin %> machine list --json']

  public async run(): Promise<object> {
    await this.parse(MachineList)
    const [{nisoPaths}, {listMachines}, {formatUptime}, {renderTable}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
      import('../../system/machine/format.js'),
      import('../../ui/table.js'),
    ])
    const machines = await listMachines(nisoPaths())
    if (!this.jsonEnabled()) {
      if (machines.length === 0) this.log('no machines (start one with: niso machine start)')
      else
        process.stdout.write(
          renderTable(
            [
              {header: 'NAME', value: (m) => m.name},
              {header: 'STATE', value: (m) => m.state},
              {header: 'PID', value: (m) => (m.pid === null ? '-' : String(m.pid)), right: true},
              {header: 'UPTIME', value: (m) => (m.uptimeSeconds === null ? '-' : formatUptime(m.uptimeSeconds))},
              {header: 'UPPER', value: (m) => m.upper ?? '-'},
            ],
            machines,
          ),
        )
    }
    return {machines}
  }
}
