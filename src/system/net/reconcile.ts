import {promises as fs} from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {AppView, HostView, NetCommand} from '@niso/plugin-sdk'

import {NisoError} from '../../core/errors.js'
import {attachmentOf} from '../../core/net/attachment.js'
import {type CompanionUnit, renderCompanion} from '../../core/net/companion-units.js'
import {renderHosts} from '../../core/net/hosts-file.js'
import {FIREWALL_UNIT, bridgeUnitName, netLayout} from '../../core/net/names.js'
import {type NetState, activeNetworks, firewallState, networkView} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {run} from '../systemd/run.js'
import {daemonReload, restart, start, stop, systemctl} from '../systemd/systemctl.js'
import type {CheckedBackend} from './backend.js'

/** What reconciling needs besides the state: where, which backend, and the apps' views. */
export interface NetEnv {
  readonly paths: NisoPaths
  readonly backend: CheckedBackend
  readonly host: HostView
  appOf(service: string): AppView
}

const COMPANION_RE = /^niso-(?:net-.+|netns-.+|firewall)\.service$/

/** Reloads systemd and starts what staging wrote; `reload`: even if no companion unit changed. */
export type StartNetworking = (opts?: {readonly reload?: boolean}) => Promise<void>

/**
 * Brings the host in line with the networking state: companion units (bridges in use, one netns
 * unit per leased service, the firewall), every service's hosts file and policy file, the one
 * ruleset. Units of networks and services no longer present are stopped and removed (services
 * first, then bridges, then the firewall), so detaching the last service leaves no trace.
 * A netns unit whose text changed is restarted only if it is `restart` (the service being
 * activated, which restarts anyway; its restart loads its policy); peers get their policy
 * reloaded in place.
 */
export async function reconcileNetworking(
  env: NetEnv,
  state: NetState,
  opts: {readonly restart?: string} = {},
): Promise<void> {
  const startNetworking = await stageNetworking(env, state, opts)
  await startNetworking()
}

/**
 * The first half of reconciling: writes every file and unit and removes what is stale, and
 * returns the second half (one daemon-reload, then the starts), so an activation can write its
 * own unit in between and have both loaded by the same reload.
 */
export async function stageNetworking(
  env: NetEnv,
  state: NetState,
  opts: {readonly restart?: string} = {},
): Promise<StartNetworking> {
  const {paths, backend} = env
  const layout = netLayout(paths)
  const units: CompanionUnit[] = []
  const reloads: {unit: string; cmds: NetCommand[]}[] = []
  const written = new Set<string>()

  const networks = activeNetworks(state).map(networkView)
  for (const net of networks) {
    const b = backend.bridge(net)
    units.push(
      renderCompanion({
        name: bridgeUnitName(net.name),
        description: `niso network ${net.name} (bridge ${net.bridge}, ${net.subnet})`,
        ...b,
      }),
    )
  }
  for (const lease of state.leases) {
    const attachment = attachmentOf(paths, lease, state)
    const plan = await backend.plan({app: env.appOf(lease.service), host: env.host, attachment})
    const peers = state.leases.filter((l) => l.network === lease.network && l.service !== lease.service)
    await writeAtomic(
      path.join(attachment.hostsDir, 'hosts'),
      renderHosts(
        {address: lease.ip, hostname: lease.hostname},
        peers.map((p) => ({address: p.ip, hostname: p.hostname})),
        os.hostname(),
      ),
    )
    if (await writeAtomic(attachment.policyFile, plan.policy)) {
      reloads.push({unit: attachment.netnsUnit, cmds: [...plan.reloadPolicy]})
    }
    written.add(attachment.hostsDir).add(attachment.policyFile)
    units.push(
      renderCompanion({
        name: attachment.netnsUnit,
        description: `niso network namespace of ${lease.service} (${lease.ip} on ${lease.network})`,
        setup: plan.setup,
        teardown: plan.teardown,
        requires: [attachment.bridgeUnit],
        wants: [FIREWALL_UNIT],
      }),
    )
  }
  const fw = backend.firewall(firewallState(state, layout.ruleset))
  if (state.leases.length) {
    units.push(
      renderCompanion({
        name: FIREWALL_UNIT,
        description: 'niso firewall (the nftables table niso owns)',
        setup: fw.load,
        reload: fw.load,
        teardown: fw.unload,
      }),
    )
  }

  // Stop and remove what is no longer wanted: namespaces, then bridges, then the firewall.
  const wanted = new Set(units.map((u) => u.name))
  const present = (await fs.readdir(paths.unitDir).catch(() => [] as string[])).filter((f) => COMPANION_RE.test(f))
  const stale = present.filter((f) => !wanted.has(f)).sort((a, b) => rank(a) - rank(b))
  for (const unit of stale) {
    await stop(unit).catch(() => undefined)
    await fs.rm(path.join(paths.unitDir, unit), {force: true})
  }
  await removeStale(path.join(layout.dir, 'hosts'), written)
  await removeStale(path.join(layout.dir, 'policy'), written)

  const changed: string[] = []
  for (const u of units) {
    if (await writeAtomic(path.join(paths.unitDir, u.name), u.text)) changed.push(u.name)
  }
  if (state.leases.length) await writeAtomic(layout.ruleset, fw.ruleset)
  else await fs.rm(layout.ruleset, {force: true})
  return async ({reload = false} = {}) => {
    if (changed.length || stale.length || reload) await daemonReload()
    if (stale.length) await systemctl(['reset-failed', ...stale]).catch(() => undefined)
    await startCompanions(paths, state, networks, changed, reloads, opts.restart)
  }
}

/**
 * At once (systemd orders the jobs by the units' After=): the firewall reloaded when running,
 * else started (the ruleset may have changed either way); one start for bridges and namespaces
 * (a no-op for those already running); one restart for the changed namespace of the service
 * being activated (which loads its policy). Then the policy reloads of the others.
 */
async function startCompanions(
  paths: NisoPaths,
  state: NetState,
  networks: readonly {readonly name: string}[],
  changed: readonly string[],
  reloads: readonly {unit: string; cmds: NetCommand[]}[],
  restartOf: string | undefined,
): Promise<void> {
  const restarted = state.leases
    .filter((l) => l.service === restartOf)
    .map((l) => attachmentOf(paths, l, state).netnsUnit)
    .filter((unit) => changed.includes(unit))
  const started = [
    ...networks.map((net) => bridgeUnitName(net.name)),
    ...state.leases.map((l) => attachmentOf(paths, l, state).netnsUnit).filter((u) => !restarted.includes(u)),
  ]
  await Promise.all([
    ...(state.leases.length ? [systemctl(['reload-or-restart', FIREWALL_UNIT])] : []),
    ...(started.length ? [start(started)] : []),
    ...(restarted.length ? [restart(restarted)] : []),
  ])
  for (const r of reloads) if (!restarted.includes(r.unit)) await runAll(r.cmds)
}

function rank(unit: string): number {
  return unit.startsWith('niso-netns-') ? 0 : unit.startsWith('niso-net-') ? 1 : 2
}

/** Runs commands on the host in order (a policy reload); a failure not marked ignorable stops. */
async function runAll(cmds: readonly NetCommand[]): Promise<void> {
  for (const c of cmds) {
    const [cmd, ...args] = c.argv as [string, ...string[]]
    const r = await run(cmd, args)
    if (r.code !== 0 && !c.ignoreFailure) {
      throw new NisoError('E_NET', `${c.argv.join(' ')} failed: ${r.stderr.trim().split('\n')[0] ?? `exit ${r.code}`}`)
    }
  }
}

/** Writes by rename (readers see the old or the new file whole); false when nothing changed. */
async function writeAtomic(file: string, text: string): Promise<boolean> {
  if ((await fs.readFile(file, 'utf8').catch(() => undefined)) === text) return false
  await fs.mkdir(path.dirname(file), {recursive: true, mode: 0o755})
  const tmp = `${file}.tmp-${process.pid}`
  await fs.writeFile(tmp, text, {mode: 0o644})
  await fs.rename(tmp, file)
  return true
}

/** Removes entries of `dir` that are not in `keep` (hosts dirs and policy files of detached services). */
async function removeStale(dir: string, keep: ReadonlySet<string>): Promise<void> {
  for (const entry of await fs.readdir(dir).catch(() => [] as string[])) {
    const full = path.join(dir, entry)
    if (!keep.has(full)) await fs.rm(full, {recursive: true, force: true})
  }
}
