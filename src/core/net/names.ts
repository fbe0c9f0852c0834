import {createHash} from 'node:crypto'
import path from 'node:path'

import type {NisoPaths} from '../paths.js'
import {unitBaseName} from '../unit/name.js'

/** Linux interface names hold at most 15 characters. */
const IFNAMSIZ = 15

export const DEFAULT_NETWORK = 'niso-default'
export const DEFAULT_SUBNET = '10.99.0.0/24'
export const FIREWALL_UNIT = 'niso-firewall.service'

export const NETWORK_NAME_RE = /^[a-z0-9][a-z0-9-]{0,30}$/

/** `<prefix><name>` when it fits in 15 characters, else `<prefix>` + a stable hash of the name. */
function ifaceName(prefix: string, name: string): string {
  const plain = `${prefix}${name}`
  if (plain.length <= IFNAMSIZ && /^[a-z0-9-]+$/.test(name)) return plain
  return `${prefix}${createHash('sha256')
    .update(name)
    .digest('hex')
    .slice(0, IFNAMSIZ - prefix.length)}`
}

/** The bridge of a network: "niso-<net>" ("niso-default" for niso-default), hashed to fit. */
export function bridgeName(network: string): string {
  return ifaceName('niso-', network.replace(/^niso-/, ''))
}

/** The host end of a service's veth pair. */
export function hostIfaceName(app: string): string {
  return ifaceName('nv-', app)
}

/** The named network namespace of a service (`/run/netns/<name>`). */
export function netnsName(app: string): string {
  return unitBaseName(app)
}

export function bridgeUnitName(network: string): string {
  return `niso-net-${network}.service`
}

export function netnsUnitName(app: string): string {
  return `${unitBaseName(app).replace(/^niso-/, 'niso-netns-')}.service`
}

/** Files niso keeps for networking under the niso root. */
export interface NetLayout {
  readonly dir: string
  /** The host ruleset loaded by the firewall unit. */
  readonly ruleset: string
  hostsDir(app: string): string
  policyFile(app: string): string
}

export function netLayout(paths: NisoPaths): NetLayout {
  const dir = path.join(paths.home, 'net')
  const base = (app: string) => unitBaseName(app).replace(/^niso-/, '')
  return {
    dir,
    ruleset: path.join(dir, 'ruleset.nft'),
    hostsDir: (app) => path.join(dir, 'hosts', base(app)),
    policyFile: (app) => path.join(dir, 'policy', `${base(app)}.nft`),
  }
}
