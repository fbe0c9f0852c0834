import {Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class MachineStart extends NisoCommand {
  static override summary = 'Boot a throwaway systemd (PID 1 in new namespaces, over an overlay of /).'

  static override description =
    "The machine sees the host's files through a copy-on-write overlay (its writes stay in the machine, in memory unless --persistent) and has its own PIDs, network (only lo), hostname and cgroups. The niso installation is shared at its own path, so `niso machine exec -- niso …` runs this build against the machine's systemd. Starting a running machine only reports it. See docs/machine.md."

  static override examples = [
    '<%= config.bin %> machine start',
    '<%= config.bin %> machine start --name ci --persistent',
    '<%= config.bin %> machine start --bind /srv/pkgs:/pkgs:ro',
  ]

  static override flags = {
    name: Flags.string({description: 'machine name (also its hostname)', default: 'niso', env: 'NISO_MACHINE'}),
    persistent: Flags.boolean({description: 'keep the overlay (machine writes) under /var/lib/niso/machines/<name>'}),
    target: Flags.string({description: 'the target systemd boots', options: ['basic', 'multi-user'], default: 'basic'}),
    bind: Flags.string({description: 'share a host path: SRC[:DST][:ro] (repeatable)', multiple: true}),
    timeout: Flags.integer({description: 'seconds to wait for the machine to be running', default: 60, min: 1}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(MachineStart)
    const [{nisoPaths}, {startMachine}, {parseBind}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
      import('../../system/machine/binds.js'),
    ])
    const r = await startMachine(nisoPaths(), {
      name: flags.name,
      persistent: flags.persistent,
      target: `${flags.target}.target`,
      binds: (flags.bind ?? []).map(parseBind),
      timeoutMs: flags.timeout * 1000,
    })
    const {name, pid} = r.record
    if (r.alreadyRunning) this.log(`machine ${name} is already running (pid ${pid}, ${r.state})`)
    else this.log(`machine ${name} ${r.state} (pid ${pid}, up in ${(r.bootMs / 1000).toFixed(2)}s)`)
    if (r.failedUnits.length > 0) this.warnLine(`failed units in ${name}: ${r.failedUnits.join(', ')}`)
    return {...r.record, state: r.state, alreadyRunning: r.alreadyRunning, bootMs: r.bootMs, failedUnits: r.failedUnits}
  }
}
