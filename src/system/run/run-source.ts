import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Manifest} from '@niso/plugin-sdk'

import type {NisoPaths} from '../../core/paths.js'
import {extractArchive} from '../archive/extract.js'
import type {InstallOptions} from '../store/install.js'
import {installedVersion} from '../store/installed-version.js'
import {trustJudge} from '../store/trust-judge.js'

export interface RunSource {
  readonly manifest: Manifest
  /** The package payload on the host, bound read-only at /app. */
  readonly packageDir: string
}

/** Whether `niso run`'s first argument names a package file rather than an installed app. */
export function isPackageFile(ref: string): boolean {
  return ref.endsWith('.niso') || (ref.includes('/') && existsSync(ref))
}

/**
 * What a run starts from: a .niso file verified and extracted exactly as `niso install` would
 * (trust policy, checksums, entry rules) into `scratch`, which the run removes afterwards; or
 * the installed NAME [VERSION].
 */
export async function runSource(
  paths: NisoPaths,
  ref: string,
  version: string | undefined,
  scratch: string,
  options: InstallOptions,
): Promise<RunSource> {
  if (!isPackageFile(ref)) {
    const installed = await installedVersion(paths, ref, version)
    return {manifest: installed.manifest, packageDir: installed.dir}
  }
  const judge = await trustJudge(paths.trustedKeys, path.basename(ref), options)
  const target = path.join(scratch, 'app')
  const extracted = await extractArchive(ref, {
    target,
    onHead: (head) => {
      judge(head)
    },
    ...(options.maxUnpackedBytes === undefined ? {} : {maxUnpackedBytes: options.maxUnpackedBytes}),
    ...(options.onWarning === undefined ? {} : {onWarning: options.onWarning}),
  })
  return {manifest: extracted.head.manifest, packageDir: target}
}
