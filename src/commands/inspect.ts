import {Args, Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Inspect extends NisoCommand {
  static override summary = 'Show what a .niso package holds, reading only the head of the archive.'

  static override examples = [
    '<%= config.bin %> inspect my-api-1.0.0-x86_64.niso',
    '<%= config.bin %> inspect my-api-1.0.0-x86_64.niso --json',
  ]

  static override args = {file: Args.string({description: 'the .niso file', required: true})}

  static override flags = {
    'verify-key': Flags.string({description: 'also check the signature against this public key', multiple: true}),
  }

  public async run(): Promise<object> {
    const {args, flags} = await this.parse(Inspect)
    const [{nisoPaths}, {inspectPackage}, {humanSize}] = await Promise.all([
      import('../core/paths.js'),
      import('../system/archive/inspect-package.js'),
      import('../core/package/human-size.js'),
    ])
    const info = await inspectPackage(args.file, nisoPaths(), flags['verify-key'] ?? [])
    const s = info.summary
    const sig = info.signature
    const signer = {
      unsigned: 'unsigned',
      valid: `signed by ${sig.keyId} (valid)`,
      invalid: `signed by ${sig.keyId} (SIGNATURE DOES NOT VERIFY)`,
      unverified: `signed by ${sig.keyId} (not verified: no trusted key with that id)`,
    }[sig.state]
    const rows: [string, string | undefined][] = [
      ['Name', info.name],
      ['Version', info.version],
      ['Arch', info.arch],
      ['Size', humanSize(info.size)],
      ['Files', String(info.files)],
      ['Signature', signer],
      ['Description', s.description],
      ['Runtime', s.runtime],
      ['Entrypoint', s.entrypoint],
      ['Preset', s.preset],
      ['Ports', s.ports.join(', ') || undefined],
      ['Healthcheck', s.healthcheck],
      ['Volumes', s.volumes.join(', ') || undefined],
      [
        'Labels',
        Object.entries(s.labels)
          .map(([k, v]) => `${k}=${v}`)
          .join(', ') || undefined,
      ],
    ]
    for (const [k, v] of rows) if (v !== undefined) this.log(`${`${k}:`.padEnd(13)}${v}`)
    return info
  }
}
