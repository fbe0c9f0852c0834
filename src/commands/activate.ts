import {Args, Flags} from '@oclif/core'

import {preloadSqlJs} from '../system/state/sqljs.js'
import {NisoCommand} from '../ui/base-command.js'

export default class Activate extends NisoCommand {
  static override summary =
    'Run an installed version as a hardened systemd service (plan, then apply; undone on failure).'

  static override description = `Assembles the app's rootfs, writes niso-<name>.service (enabled), runs pre_activate inside the service's sandbox, starts it and waits until its first health probe passes, runs post_activate, then moves current/previous. If the new version fails to start or never becomes healthy, everything is undone and the previous version keeps running. Without VERSION, the newest installed version.`

  static override examples = [
    '<%= config.bin %> activate my-api',
    '<%= config.bin %> activate my-api 1.2.0 --dry-run',
    '<%= config.bin %> activate my-api --force',
  ]

  static override args = {
    name: Args.string({description: 'installed package name', required: true}),
    version: Args.string({description: 'version to activate (default: newest installed)'}),
  }

  static override flags = {
    'dry-run': Flags.boolean({
      description: 'print the plan (unit, exposure score, rootfs, hooks, what would restart) and change nothing',
    }),
    force: Flags.boolean({description: 'restart even if this version is already active and running'}),
  }

  public async run(): Promise<object> {
    preloadSqlJs()
    const {args, flags} = await this.parse(Activate)
    const [{nisoPaths}, {prepareActivation}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/activation/prepare-activation.js'),
    ])
    const paths = nisoPaths()
    const {plan, net, before} = await prepareActivation(this.config, paths, args.name, args.version)
    for (const w of plan.warnings) this.warnLine(w)
    if (flags['dry-run']) {
      const [{renderPlan}, {unitExposure}] = await Promise.all([
        import('../ui/render-plan.js'),
        import('../system/security-score.js'),
      ])
      const exposure = await unitExposure(plan.unitText, plan.unitName, plan.exposureBudget)
      if (!this.jsonEnabled()) this.log(renderPlan(plan, exposure))
      return {...plan, exposure}
    }
    const {applyActivation} = await import('../system/activation/apply-activation.js')
    const quiet = this.jsonEnabled()
    const result = await applyActivation(plan, paths, {
      force: flags.force,
      before,
      ...(net ? {net} : {}),
      log: (line) => quiet || process.stderr.write(`  ${line}\n`),
    })
    this.log(result.message)
    if (result.restarted) {
      await this.config.runHook('niso:activated', {
        app: plan.app,
        version: plan.version,
        unit: plan.unitName,
        ...(result.previousVersion ? {previousVersion: result.previousVersion} : {}),
      })
    }
    return result
  }
}
