import {Flags} from '@oclif/core'

import {NisoCommand} from '../ui/base-command.js'

export default class Keygen extends NisoCommand {
  static override summary = 'Create an Ed25519 key pair for signing packages.'

  static override description = `Writes niso-signing.key (the secret key, mode 0600) and niso-signing.pub (the public key) into DIR and prints the key id, a short fingerprint of the public key. Sign with "niso pack --sign DIR/niso-signing.key"; on hosts, put the .pub file in /etc/niso/trusted-keys/ or pass it to "niso install --verify-key". The files use minisign's format, so "minisign -V" can check a package's checksums.sha256 too. An existing key is never replaced unless --force.`

  static override examples = ['<%= config.bin %> keygen --output ./keys']

  static override flags = {
    output: Flags.string({char: 'o', description: 'directory for the key files', required: true, helpValue: 'DIR'}),
    force: Flags.boolean({description: 'replace an existing key pair in DIR'}),
  }

  public async run(): Promise<object> {
    const {flags} = await this.parse(Keygen)
    const {writeKeyPair} = await import('../system/keys.js')
    const keys = await writeKeyPair(flags.output, {force: flags.force})
    this.log(`Created ${keys.secretPath} (private)`)
    this.log(`Created ${keys.publicPath} (public)`)
    this.log(`Key id: ${keys.keyId}`)
    return {keyId: keys.keyId, secretKey: keys.secretPath, publicKey: keys.publicPath}
  }
}
