import type {Manifest} from '@niso/plugin-sdk'

import type {NetworkSection} from '../net/attach-plan.js'
import {parsePort} from '../net/ports.js'
import {RUN_UNIT_PREFIX} from './run-unit.js'

/** The lease of a run is held as "run-<scratch id>" (the cleanup unit's instance name). */
export function runLeaseName(scratchId: string): string {
  return `run-${scratchId}`
}

/**
 * Where a one-off run joins (like `docker run`): `--network` or the manifest's network, under
 * the run's own name as hostname, with only the `--publish` mappings (the manifest's ports and
 * static ip belong to the activated service) and the manifest's policy.
 */
export function runNetworkSection(
  manifest: Readonly<Manifest>,
  opts: {readonly unitBase: string; readonly network?: string; readonly publish: readonly string[]},
): NetworkSection {
  for (const p of opts.publish) parsePort(p, `--publish ${p}`)
  const network = opts.network ?? manifest.network?.network
  const policy = manifest.network?.policy
  return {
    ...(network ? {network} : {}),
    hostname: opts.unitBase
      .slice(RUN_UNIT_PREFIX.length)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-'),
    ports: [...opts.publish],
    ...(policy ? {policy} : {}),
  }
}
