import Install from './install.js'

export default class Import extends Install {
  static override summary = 'Import a .niso package exported from another host (the same checks as install).'

  static override description = `The counterpart of \`niso export\`: verifies the package exactly as \`niso install\` does (signature and trust, checksums, entry paths, size limits) and installs it.`

  static override examples = [
    '<%= config.bin %> import my-api-1.0.0-x86_64.niso',
    '<%= config.bin %> import my-api-1.0.0-x86_64.niso --verify-key ./keys/niso-signing.pub',
  ]

  protected override readonly verb = {command: 'import', done: 'Imported'} as const
}
