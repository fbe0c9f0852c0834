import type {Manifest} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {entrypointFile, normalizePackagePath} from './entrypoint.js'

/**
 * Files the manifest points at must be in the package: a package entrypoint (no runtime) and every
 * [hooks] script. `files` holds the archive paths of regular files and symlinks.
 */
export function checkManifestFiles(manifest: Manifest, files: ReadonlySet<string>, source = 'manifest.toml'): void {
  const entry = entrypointFile(manifest)
  if (entry !== undefined && !files.has(entry)) {
    throw new NisoError(
      'E_PACK_ENTRYPOINT',
      `${source}: [binary].entrypoint "${manifest.binary?.entrypoint}": ${entry} is not in the package (put it there, list it in [copy].include, or pass --binary PATH)`,
    )
  }
  for (const [hook, script] of Object.entries(manifest.hooks ?? {})) {
    if (script === undefined) continue
    const file = normalizePackagePath(script)
    if (!files.has(file)) {
      throw new NisoError(
        'E_PACK_HOOK',
        `${source}: [hooks].${hook} "${script}" is not in the package (check [copy].include and .nisoignore)`,
      )
    }
  }
}
