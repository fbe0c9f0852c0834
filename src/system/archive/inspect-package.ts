import path from 'node:path'

import type {Manifest} from '@niso/plugin-sdk'

import {parseSignature, verifySignature} from '../../core/package/signing.js'
import type {NisoPaths} from '../../core/paths.js'
import {readPublicKey, readTrustedKeys} from '../keys.js'
import {readPackageHead} from './read-head.js'

export interface PackageInfo {
  readonly file: string
  readonly name: string
  readonly version: string
  readonly arch: string
  readonly size: number
  /** Files in the package besides the head entries (lines of checksums.sha256). */
  readonly files: number
  readonly signature: {readonly state: 'unsigned' | 'valid' | 'invalid' | 'unverified'; readonly keyId?: string}
  readonly summary: {
    readonly description?: string
    readonly runtime: string
    readonly entrypoint?: string
    readonly preset: string
    readonly ports: readonly string[]
    readonly healthcheck?: string
    readonly volumes: readonly string[]
    readonly labels: Readonly<Record<string, string>>
  }
}

/**
 * What `niso inspect` shows, from the archive head only (its cost does not grow with the payload).
 * A signature is checked when a trusted key or `--verify-key` has its key id; otherwise it is
 * reported as signed but unverified.
 */
export async function inspectPackage(
  file: string,
  paths: NisoPaths,
  verifyKeys: readonly string[],
): Promise<PackageInfo> {
  const head = await readPackageHead(file)
  const m: Manifest = head.manifest
  let signature: PackageInfo['signature'] = {state: 'unsigned'}
  if (head.signatureText !== undefined) {
    const sig = parseSignature(head.signatureText, `${path.basename(file)}: signature.ed25519`)
    const keys = [...(await readTrustedKeys(paths.trustedKeys)), ...(await Promise.all(verifyKeys.map(readPublicKey)))]
    const key = keys.find((k) => k.keyId === sig.keyId)
    const state = !key ? 'unverified' : verifySignature(sig, Buffer.from(head.checksumsText), key) ? 'valid' : 'invalid'
    signature = {state, keyId: sig.keyId}
  }
  const h = m.healthcheck
  return {
    file,
    name: m.package.name,
    version: m.package.version,
    arch: m.package.arch ?? 'unknown',
    size: head.size,
    files: [...head.checksums.keys()].filter((p) => p !== 'manifest.toml').length,
    signature,
    summary: {
      ...(m.package.description ? {description: m.package.description} : {}),
      runtime: m.runtime?.use ?? 'none (compiled binary)',
      ...(m.binary ? {entrypoint: [m.binary.entrypoint, ...m.binary.args].join(' ')} : {}),
      preset: m.isolation?.preset ?? 'server',
      ports: m.network?.ports ?? [],
      ...(h ? {healthcheck: h.http ?? (h.tcp ? `tcp ${h.tcp}` : `exec ${(h.exec ?? []).join(' ')}`)} : {}),
      volumes: Object.entries(m.volumes ?? {}).map(([name, vol]) => `${name} → ${vol.mount}`),
      labels: {...(m.labels ?? {})},
    },
  }
}
