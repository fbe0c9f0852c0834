import {Flags} from '@oclif/core'

import {NisoCommand} from '../../ui/base-command.js'

export default class MachineExec extends NisoCommand {
  static override summary = "Run a command inside a machine; exits with the command's exit code."

  static override description =
    'stdin, stdout and stderr pass through. The command runs as root with a clean environment (PATH, HOME=/root, TERM, LANG, plus --env), in the current directory when it exists inside the machine (else /). Everything after "--" is the command, verbatim.'

  static override examples = [
    '<%= config.bin %> machine exec -- systemctl list-units --failed',
    '<%= config.bin %> machine exec --env NISO_DEBUG=1 -- niso activate my-api',
  ]

  static override strict = false

  static override flags = {
    name: Flags.string({description: 'machine name', default: 'niso', env: 'NISO_MACHINE'}),
    env: Flags.string({
      description: 'set a variable for the command: NAME=VALUE (repeatable)',
      multiple: true,
    }),
    cwd: Flags.string({description: 'working directory inside the machine (default: the current one)'}),
  }

  public async run(): Promise<void> {
    // Everything after the first "--" is the command, verbatim: oclif's own parsing of a
    // non-strict argv reorders option-like words, so only what precedes it is parsed here.
    const raw = [...this.argv]
    const sep = raw.indexOf('--')
    const {flags, argv: rest} = await this.parse(MachineExec, sep === -1 ? raw : raw.slice(0, sep))
    const argv = sep === -1 ? rest : [...rest, ...raw.slice(sep + 1)]
    const [{nisoPaths}, {runningMachine}, {execInteractive, parseEnvPairs}, {NisoError}] = await Promise.all([
      import('../../core/paths.js'),
      import('../../system/machine/machine.js'),
      import('../../system/machine/exec.js'),
      import('../../core/errors.js'),
    ])
    const [cmd, ...args] = argv as string[]
    if (!cmd) throw new NisoError('E_USAGE', 'no command given: niso machine exec [--name N] -- CMD [ARGS…]')
    const env = parseEnvPairs(flags.env ?? [])
    const record = runningMachine(nisoPaths(), flags.name)
    process.exitCode = await execInteractive(record, cmd, args, {env, cwd: flags.cwd ?? process.cwd()})
  }
}
