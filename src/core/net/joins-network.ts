import {type IsolationPreset, type Manifest, resolvePreset} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import type {Provided} from '../plugins/provided.js'
import {DEFAULT_PRESET} from '../plan/plan-unit.js'

/**
 * Every service joins a network (niso-default unless [network] names another), except under a
 * preset that asks for no network at all (PrivateNetwork=yes, as `strict` does): there the
 * service keeps its own loopback-only namespace and [network] is refused.
 */
export function joinsNetwork(manifest: Manifest, presets: readonly Provided<IsolationPreset>[]): boolean {
  const id = manifest.isolation?.preset ?? DEFAULT_PRESET
  let preset
  try {
    preset = resolvePreset(
      id,
      presets.map((p) => p.provider),
    )
  } catch {
    return true // an unknown or broken preset: planning the unit reports it
  }
  const isolated = preset.unit.Service?.PrivateNetwork === 'yes'
  if (isolated && manifest.network) {
    throw new NisoError(
      'E_NETWORK_REFUSED',
      `manifest.toml [network]: preset "${id}" runs services without any network (PrivateNetwork=yes)`,
    )
  }
  return !isolated
}
