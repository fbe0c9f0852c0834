import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'
import Install from './install.js'

export default class Run extends NisoCommand {
  static override summary =
    'Run an app once as a transient unit with the same isolation as its activation (docker run --rm).'

  static override description = `PKG is a .niso file (verified like niso install, into a scratch directory removed afterwards) or the NAME of an installed app (newest version unless VERSION). The unit is planned exactly as niso activate plans it (preset, runtime, binds, dynamic user, limits), its rootfs is assembled in a scratch directory, and systemd-run starts it as niso-run-<name>.service. Words after "--" replace the manifest's [binary] args.

Attached (the default), standard input, output and error pass through and niso exits with the command's exit code; Ctrl-C (or SIGTERM/SIGHUP to niso) stops the unit. With --detach, niso prints the unit name and returns; its output goes to the journal (niso logs is for activated apps; use journalctl -u UNIT). Like an activated service (and docker run), the run joins a network in a namespace of its own: the manifest's network or --network (default niso-default), an address from the network's pool, its name as hostname (peers resolve it, it resolves them), the manifest's policy, and only the ports given with -p (the manifest's ports and static ip stay with the activated service). A preset without any network (strict) refuses --network and -p.

However the unit ends, systemd runs niso-run-cleanup@.service, which releases the network attachment (lease, namespace, veth, mappings, hosts entries) and removes the scratch directory: nothing is left behind.`

  static override strict = false

  static override examples = [
    '<%= config.bin %> run my-api',
    '<%= config.bin %> run ./my-api-1.0.0-x86_64.niso -- --migrate',
    '<%= config.bin %> run my-api 1.0.0 --env DEBUG=1 --preset strict -- --check',
    '<%= config.bin %> run my-api -d --name nightly',
    '<%= config.bin %> run my-api -d -p 8080:8080 --network backend',
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
    network: Flags.string({description: "network to join instead of the manifest's (default niso-default)"}),
    publish: Flags.string({
      char: 'p',
      description: 'map a host port to the run while it lasts (repeatable)',
      multiple: true,
      helpValue: '[IP:]HOST:CONTAINER[/udp]',
    }),
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
      ...(flags.network ? {network: flags.network} : {}),
      publish: flags.publish ?? [],
      detach: flags.detach,
      install: installOptions(flags, 'install', (m) => this.warnLine(m)),
    })
    if (result.detached && !this.jsonEnabled()) this.log(result.unit)
    if (result.exitCode !== 0) this.exit(result.exitCode)
    return result
  }
}
