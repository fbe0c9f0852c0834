import {type HostView, type RootfsStep, type UnitFragment, execLine} from '@niso/plugin-sdk'

import {type ProbeSpec, startBudgetMs, startPollMs} from '../health/probe-spec.js'

/** Where the start gate's node and script appear inside every rootfs that has a health check. */
const GATE_NODE = '/usr/lib/niso/node'
const GATE_SCRIPT = '/usr/lib/niso/wait-healthy.js'

/** Host paths of the node binary and the self-contained start-gate script. */
export interface HealthGateFiles {
  readonly node: string
  readonly script: string
}

/**
 * Start means healthy: the unit's start job completes only when the first probe passes.
 * `ExecStartPost=+` runs the gate as root, still inside the service's mount and network
 * namespaces, and TimeoutStartSec covers the whole probe budget (start_period + retries).
 */
export function healthGateUnit(health: ProbeSpec): UnitFragment {
  const budget = startBudgetMs(health)
  const probe = health.probe
  const target =
    probe.kind === 'http' ? [probe.url] : probe.kind === 'tcp' ? [probe.host, String(probe.port)] : [...probe.command]
  const timing = `${budget},${startPollMs(health)},${health.timeoutMs}`
  return {
    Service: {
      ExecStartPost: [`+${execLine([GATE_NODE, GATE_SCRIPT, timing, probe.kind, ...target])}`],
      TimeoutStartSec: `${Math.ceil(budget / 1000) + 15}s`,
    },
  }
}

/** The gate's node, script and node's shared-library closure, bound read-only into the rootfs. */
export async function healthGateRootfs(files: HealthGateFiles, host: HostView): Promise<RootfsStep[]> {
  const libraries = await host.probe.libraryClosure(files.node)
  return [
    {kind: 'bind-ro', host: files.node, target: GATE_NODE},
    {kind: 'bind-ro', host: files.script, target: GATE_SCRIPT},
    ...libraries.map((lib): RootfsStep => ({kind: 'bind-ro', host: lib, target: lib})),
  ]
}
