import {type TrustDecision, decideTrust} from '../../core/package/trust.js'
import type {ArchiveHead} from '../archive/extract.js'
import {readPublicKey, readTrustedKeys} from '../keys.js'

/**
 * The trust policy of `niso install` for one file, as a judge of its archive head: keys in the
 * trusted-keys dir plus `--verify-key` files; throws to refuse, warns when trust is not verified.
 */
export async function trustJudge(
  trustedKeysDir: string,
  label: string,
  options: {
    readonly verifyKeys?: readonly string[]
    readonly allowUnsigned?: boolean
    readonly onWarning?: (message: string) => void
  },
): Promise<(head: ArchiveHead) => TrustDecision> {
  const keys = [
    ...(await readTrustedKeys(trustedKeysDir)),
    ...(await Promise.all((options.verifyKeys ?? []).map((k) => readPublicKey(k)))),
  ]
  return (head) => {
    const decision = decideTrust({
      source: label,
      signature: head.signature,
      message: head.checksumsBytes,
      keys,
      allowUnsigned: options.allowUnsigned ?? false,
    })
    if (decision.trust !== 'verified') options.onWarning?.(decision.warning)
    return decision
  }
}
