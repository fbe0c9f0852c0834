import {SIZE_RE, sizeToBytes} from '@niso/plugin-sdk'

import {NisoError} from '../../core/errors.js'
import type {InstallOptions} from './install.js'

/** The flags `niso install` and `niso import` share, as InstallOptions. */
export interface InstallFlags {
  readonly 'verify-key'?: string[] | undefined
  readonly 'allow-unsigned'?: boolean | undefined
  readonly 'max-size'?: string | undefined
}

export function installOptions(
  flags: InstallFlags,
  via: 'install' | 'import',
  onWarning: (message: string) => void,
): InstallOptions {
  return {
    verifyKeys: flags['verify-key'] ?? [],
    allowUnsigned: flags['allow-unsigned'] ?? false,
    ...(flags['max-size'] === undefined ? {} : {maxUnpackedBytes: parseSize('--max-size', flags['max-size'])}),
    onWarning,
    via,
  }
}

export function parseSize(flag: string, text: string): number {
  const bytes = SIZE_RE.test(text) ? sizeToBytes(text) : Number.NaN
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new NisoError('E_FLAG', `${flag}: must be a size like "512M" or "8G" (got "${text}")`)
  }
  return bytes
}
