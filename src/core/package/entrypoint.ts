import path from 'node:path'

import type {Manifest} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/**
 * The package file that [binary].entrypoint names, or undefined when it names no package file: a
 * runtime's interpreter (with [runtime].use) or an absolute host path. A bare name ("my-api") means
 * `bin/my-api`, where `niso pack --binary` puts it; a name with a "/" is a path from the package root.
 */
export function entrypointFile(manifest: Manifest): string | undefined {
  const entrypoint = manifest.binary?.entrypoint
  if (entrypoint === undefined || manifest.runtime?.use !== undefined || entrypoint.startsWith('/')) return undefined
  return entrypoint.includes('/') ? normalizePackagePath(entrypoint) : `bin/${entrypoint}`
}

/** "./scripts//run.sh" → "scripts/run.sh": the form paths take inside the archive. */
export function normalizePackagePath(p: string): string {
  return path.posix
    .normalize(p)
    .replace(/^(?:\.\/)+/, '')
    .replace(/\/$/, '')
}

/** Where `niso pack --binary PATH` puts the binary: the package file the entrypoint names. */
export function binaryTarget(manifest: Manifest, source = 'manifest.toml'): string {
  const file = entrypointFile(manifest)
  if (file === undefined) {
    const why =
      manifest.binary === undefined
        ? 'there is no [binary].entrypoint'
        : manifest.runtime?.use !== undefined
          ? `[binary].entrypoint "${manifest.binary.entrypoint}" is the interpreter of [runtime].use`
          : `[binary].entrypoint "${manifest.binary.entrypoint}" is a host path`
    throw new NisoError('E_PACK_BINARY', `--binary: ${source}: ${why}, so no package file to put the binary in`)
  }
  return file
}
