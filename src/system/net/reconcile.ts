import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import type {AppView, HostView, NetCommand} from '@niso/plugin-sdk'

import {NisoError} from '../../core/errors.js'
import {attachmentOf} from '../../core/net/attachment.js'
import {type CompanionUnit, renderCompanion} from '../../core/net/companion-units.js'
import {renderHosts} from '../../core/net/hosts-file.js'
import {FIREWALL_UNIT, bridgeUnitName, netLayout} from '../../core/net/names.js'
import {type LeaseRow, type NetState, activeNetworks, firewallState, networkView} from '../../core/net/state.js'
import type {NisoPaths} from '../../core/paths.js'
import {run} from '../systemd/run.js'
import {listDirOr} from '../read-or.js'
import {loadUnits} from '../systemd/load-units.js'
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

/**
 * Loads what staging wrote into systemd and starts it. `units`: the caller's own units written or
 * removed since (loaded along with the companions, with one daemon-reload if systemd needs one);
 * `reload`: reload in any case. `service`: starts the service being activated (staging's
 * `restart`) in the same step, see ServiceStart.
 */
export type StartNetworking = (opts?: {
  readonly reload?: boolean
  readonly units?: readonly string[]
  readonly service?: ServiceStart
}) => Promise<void>

/**
 * Starts the service being activated along with its companions: `restartFirst` are to be
 * restarted in the same systemctl call, before the service (its namespace, when that changed).
 * Its namespace and bridge are otherwise left to its own start, which pulls them in through
 * Requires= (and the firewall through the namespace's Wants=), so the whole chain is one systemd
 * transaction, as a hand-written unit's start is, instead of a round of companion starts first.
 * `dependencies` are those required companions, to name the one that failed when the start does.
 */
export type ServiceStart = (companions: {
  readonly restartFirst: readonly string[]
  readonly dependencies: readonly string[]
}) => Promise<void>

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
 * returns the second half (one daemon-reload at most, then the starts), so an activation can
 * write its own unit in between and have both loaded together.
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
    writeAtomic(
      path.join(attachment.hostsDir, 'hosts'),
      renderHosts(
        {address: lease.ip, hostname: lease.hostname},
        peers.map((p) => ({address: p.ip, hostname: p.hostname})),
        os.hostname(),
      ),
    )
    if (writeAtomic(attachment.policyFile, plan.policy)) {
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
  const present = listDirOr(paths.unitDir).filter((f) => COMPANION_RE.test(f))
  const stale = present.filter((f) => !wanted.has(f)).sort((a, b) => rank(a) - rank(b))
  for (const unit of stale) {
    await stop(unit).catch(() => undefined)
    fs.rmSync(path.join(paths.unitDir, unit), {force: true})
  }
  removeStale(path.join(layout.dir, 'hosts'), written)
  removeStale(path.join(layout.dir, 'policy'), written)

  const changed = units.filter((u) => writeAtomic(path.join(paths.unitDir, u.name), u.text)).map((u) => u.name)
  if (state.leases.length) writeAtomic(layout.ruleset, fw.ruleset)
  else fs.rmSync(layout.ruleset, {force: true})
  return async ({reload = false, units = [], service} = {}) => {
    if (reload) await daemonReload()
    else await loadUnits([...units, ...changed, ...stale], paths.unitDir)
    await startCompanions({paths, state, networks, changed, reloads, stale, restartOf: opts.restart, service})
  }
}

/**
 * At once (systemd orders the jobs by the units' After=): the firewall reloaded when running,
 * else started (the ruleset may have changed either way); one start for bridges and namespaces
 * (a no-op for those already running); one restart for the changed namespace of the service
 * being activated (which loads its policy), or, with `service`, that service's own start, which
 * brings its namespace and bridge along. Then the policy reloads of the others.
 */
async function startCompanions(c: {
  readonly paths: NisoPaths
  readonly state: NetState
  readonly networks: readonly {readonly name: string}[]
  readonly changed: readonly string[]
  readonly reloads: readonly {unit: string; cmds: NetCommand[]}[]
  readonly stale: readonly string[]
  readonly restartOf: string | undefined
  readonly service: ServiceStart | undefined
}): Promise<void> {
  const {state, service} = c
  const netnsOf = (l: LeaseRow) => attachmentOf(c.paths, l, state).netnsUnit
  const own = state.leases.find((l) => l.service === c.restartOf)
  const ownNetns = own && netnsOf(own)
  // The service restarts anyway: its namespace restarts with it when its unit or (with the
  // service in the same call) its policy changed, so the policy loads before the service starts.
  const restarted =
    ownNetns && (c.changed.includes(ownNetns) || (service && c.reloads.some((r) => r.unit === ownNetns)))
      ? [ownNetns]
      : []
  // What the service's start requires (and so starts, and fails with): its namespace and bridge.
  const dependencies = own ? [netnsOf(own), bridgeUnitName(own.network)] : []
  const pulledIn = service ? dependencies : []
  const started = [...c.networks.map((net) => bridgeUnitName(net.name)), ...state.leases.map(netnsOf)].filter(
    (u) => !restarted.includes(u) && !pulledIn.includes(u),
  )
  const settled = await Promise.allSettled([
    service ? service({restartFirst: restarted, dependencies}) : restarted.length ? restart(restarted) : undefined,
    state.leases.length ? systemctl(['reload-or-restart', FIREWALL_UNIT]) : undefined,
    started.length ? start(started) : undefined,
    c.stale.length ? systemctl(['reset-failed', ...c.stale]).catch(() => undefined) : undefined,
  ])
  // The service's own failure first: it carries the reason a dependency failed, too.
  const failed = settled.find((r) => r.status === 'rejected')
  if (failed) throw failed.reason
  for (const r of c.reloads) if (!restarted.includes(r.unit)) await runAll(r.cmds)
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
function writeAtomic(file: string, text: string): boolean {
  try {
    if (fs.readFileSync(file, 'utf8') === text) return false
  } catch {
    // not there yet
  }
  fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o755})
  const tmp = `${file}.tmp-${process.pid}`
  fs.writeFileSync(tmp, text, {mode: 0o644})
  fs.renameSync(tmp, file)
  return true
}

/** Removes entries of `dir` that are not in `keep` (hosts dirs and policy files of detached services). */
function removeStale(dir: string, keep: ReadonlySet<string>): void {
  for (const entry of listDirOr(dir)) {
    const full = path.join(dir, entry)
    if (!keep.has(full)) fs.rmSync(full, {recursive: true, force: true})
  }
}
