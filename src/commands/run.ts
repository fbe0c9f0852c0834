import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'
import Install from './install.js'

export default class Run extends NisoCommand {
  static override summary =
    'Run an app once as a transient unit with the same isolation as its activation (docker run --rm).'

  static override description = `PKG is a .niso file (verified like niso install, into a scratch directory removed afterwards) or the NAME of an installed app (newest version unless VERSION). The unit is planned exactly as niso activate plans it (preset, runtime, binds, dynamic user, limits), its rootfs is assembled in a scratch directory, and systemd-run starts it as niso-run-<name>.service. Words after "--" replace the manifest's [binary] args.

Attached (the default), standard input, output and error pass through and niso exits with the command's exit code; Ctrl-C (or SIGTERM/SIGHUP to niso) stops the unit. With --detach, niso prints the unit name and returns; its output goes to the journal (niso logs is for activated apps; use journalctl -u UNIT). However the unit ends, systemd runs niso-run-cleanup@.service, which removes the scratch directory: nothing is left behind.`

  static override strict = false

  static override examples = [
    '<%= config.bin %> run my-api',
    '<%= config.bin %> run ./my-api-1.0.0-x86_64.niso -- --migrate',
    '<%= config.bin %> run my-api 1.0.0 --env DEBUG=1 --preset strict -- --check',
    '<%= config.bin %> run my-api -d --name nightly',
  ]

  static override args = {
    pkg: Args.string({description: 'a .niso file or an installed app name', required: true, ignoreStdin: true}),
    version: Args.string({description: 'installed version (default: newest; not with a file)', ignoreStdin: true}),
  }

  static override flags = {
    env: Flags.string({
      char: 'e',
      description: 'set an environment variable (repeatable; over [environment])',
      multiple: true,
      helpValue: 'KEY=VALUE',
    }),
    name: Flags.string({description: 'unit name: niso-run-NAME.service (default: <app>-<random>)'}),
    detach: Flags.boolean({char: 'd', description: 'start it and print the unit name; output goes to the journal'}),
    preset: Flags.string({description: "isolation preset instead of the manifest's [isolation] preset"}),
    'verify-key': Install.flags['verify-key'],
    'allow-unsigned': Install.flags['allow-unsigned'],
    'max-size': Install.flags['max-size'],
  }

  public async run(): Promise<object> {
    // The command's own words follow "--"; only what precedes it is niso's (parse consumes argv).
    const raw = [...this.argv]
    const split = raw.indexOf('--')
    const command = split < 0 ? undefined : raw.slice(split + 1)
    const {args, flags, argv} = await this.parse(Run, split < 0 ? raw : raw.slice(0, split))
    const [{nisoPaths}, {runOneOff}, {isPackageFile}, {installOptions}, {NisoError}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/run/run-oneoff.js'),
      import('../system/run/run-source.js'),
      import('../system/store/install-flags.js'),
      import('../core/errors.js'),
    ])
    if (argv.length > 2) {
      throw new NisoError('E_USAGE', `unexpected argument ${String(argv[2])}; put the command's arguments after "--"`)
    }
    if (args.version && isPackageFile(args.pkg)) {
      throw new NisoError('E_USAGE', `VERSION ${args.version} applies to an installed app, not to the file ${args.pkg}`)
    }
    const result = await runOneOff(this.config, nisoPaths(), {
      ref: args.pkg,
      ...(args.version ? {version: args.version} : {}),
      ...(command ? {args: command} : {}),
      env: flags.env ?? [],
      ...(flags.preset ? {preset: flags.preset} : {}),
      ...(flags.name ? {name: flags.name} : {}),
      detach: flags.detach,
      install: installOptions(flags, 'install', (m) => this.warnLine(m)),
    })
    if (result.detached && !this.jsonEnabled()) this.log(result.unit)
    if (result.exitCode !== 0) this.exit(result.exitCode)
    return result
  }
}
