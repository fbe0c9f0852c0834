import {ENV_NAME_RE, type Manifest} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {validateManifest} from '../manifest/parse.js'

/** What `niso run` changes in the manifest before planning. */
export interface RunOverrides {
  /** Replace [binary].args (the words after "--"). */
  readonly args?: readonly string[]
  /** `--env KEY=VALUE`, in order; later wins, and over [environment]. */
  readonly env?: readonly string[]
  /** `--preset`: [isolation].preset. */
  readonly preset?: string
}

/**
 * The manifest a one-off run is planned from: the package's own, with ARGS, --env and --preset
 * applied, validated again by the manifest schema so a run gets no setting a manifest could not.
 */
export function runManifest(manifest: Readonly<Manifest>, o: RunOverrides): Manifest {
  const env: Record<string, string> = {}
  for (const item of o.env ?? []) {
    const eq = item.indexOf('=')
    const key = eq < 0 ? item : item.slice(0, eq)
    if (eq < 0 || !ENV_NAME_RE.test(key) || key === 'env_file') {
      throw new NisoError('E_FLAG', `--env ${item}: must be KEY=VALUE with KEY a variable name`)
    }
    env[key] = item.slice(eq + 1)
  }
  if (o.args && !manifest.binary) {
    throw new NisoError(
      'E_RUN_ARGS',
      `manifest.toml of ${manifest.package.name} has no [binary]; ARGS have nothing to replace`,
    )
  }
  const next = {
    ...manifest,
    ...(o.args && manifest.binary ? {binary: {...manifest.binary, args: [...o.args]}} : {}),
    ...(Object.keys(env).length ? {environment: {...manifest.environment, ...env}} : {}),
    ...(o.preset ? {isolation: {...manifest.isolation, preset: o.preset}} : {}),
  }
  return validateManifest(next, `manifest.toml of ${manifest.package.name} with niso run's flags`)
}
