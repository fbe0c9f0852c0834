import type {Command} from '@oclif/core'
import {commands} from '@oclif/plugin-plugins'

// Typed as a plain Command class: plugin-plugins' own class type cannot be named from here.
const Install = commands['plugins:install'] as unknown as typeof Command

/**
 * `niso plugins install`, from @oclif/plugin-plugins, with the warning every niso user must read
 * first: plugins run inside niso, which runs as root.
 */
export default abstract class PluginsInstall extends Install {
  static override summary = 'Install a niso plugin (a runtime, isolation preset, network backend or scanner).'

  static override description = `WARNING: installing a plugin trusts it with root. niso runs as root and loads plugins into its own process, so a plugin's code can do anything root can do on this host, on every niso command. Install only plugins you would run as root yourself. What a plugin contributes to units (directives, rootfs steps, relaxations) is validated and shown by \`niso activate --dry-run\`; its code is not sandboxed.

${Install.description ?? ''}`
}
