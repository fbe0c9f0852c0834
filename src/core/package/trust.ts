import {NisoError} from '../errors.js'
import {type ParsedSignature, type PublicKey, verifySignature} from './signing.js'

/**
 * Whether a package may be installed, from its signature and the keys this host trusts
 * (/etc/niso/trusted-keys/*.pub plus any --verify-key). Pure: the caller reads the keys.
 *
 * - A signature that does not verify is always refused, whatever the flags.
 * - With any key configured, an unsigned package, or one signed by a key that is not configured,
 *   is refused unless `allowUnsigned` (then installed with a warning).
 * - With no key configured, an unsigned package (or one whose signer cannot be checked) installs
 *   with a warning.
 */
export type TrustDecision =
  | {readonly trust: 'verified'; readonly keyId: string; readonly key: PublicKey}
  | {readonly trust: 'unsigned'; readonly warning: string}
  | {readonly trust: 'unverified'; readonly keyId: string; readonly warning: string}

export interface TrustInput {
  /** The archive, for messages. */
  readonly source: string
  readonly signature: ParsedSignature | null
  /** The exact bytes of checksums.sha256. */
  readonly message: Buffer
  readonly keys: readonly PublicKey[]
  readonly allowUnsigned: boolean
}

export function decideTrust(input: TrustInput): TrustDecision {
  const {source, signature, message, keys, allowUnsigned} = input
  const configured = keys.length > 0
  const hint = 'pass --allow-unsigned to install it anyway'
  if (signature === null) {
    if (configured && !allowUnsigned) {
      throw new NisoError('E_UNSIGNED', `${source}: package is unsigned and trusted keys are configured`, {hint})
    }
    return {trust: 'unsigned', warning: `${source}: package is unsigned; its origin is not verified`}
  }
  const candidates = keys.filter((k) => k.keyId === signature.keyId)
  if (candidates.length > 0) {
    const key = candidates.find((k) => verifySignature(signature, message, k))
    if (key === undefined) {
      throw new NisoError(
        'E_BAD_SIGNATURE',
        `${source}: signature does not verify with key ${signature.keyId} (${candidates.map((k) => k.source).join(', ')})`,
        {hint: 'the package was modified after signing, or signed with another key bearing this id'},
      )
    }
    return {trust: 'verified', keyId: key.keyId, key}
  }
  if (configured && !allowUnsigned) {
    throw new NisoError(
      'E_UNTRUSTED_KEY',
      `${source}: signed by key ${signature.keyId}, which is not a trusted key (${keys.map((k) => k.keyId).join(', ')})`,
      {hint: `add its .pub to trusted-keys, pass --verify-key, or ${hint}`},
    )
  }
  return {
    trust: 'unverified',
    keyId: signature.keyId,
    warning: `${source}: signed by key ${signature.keyId}, which is not trusted here; the signature was not checked`,
  }
}
