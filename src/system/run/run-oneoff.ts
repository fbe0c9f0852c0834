import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, promises as fs} from 'node:fs'
import path from 'node:path'

import type {IsolationPreset, Manifest} from '@niso/plugin-sdk'
import type {Config} from '@oclif/core'

import {messageOf, NisoError} from '../../core/errors.js'
import type {NisoPaths} from '../../core/paths.js'
import {providesHosts} from '../../core/activation/host-rootfs.js'
import {joinsNetwork} from '../../core/net/joins-network.js'
import {DEFAULT_PRESET, planUnit} from '../../core/plan/plan-unit.js'
import type {Provided} from '../../core/plugins/provided.js'
import {runNetworkSection} from '../../core/run/run-network.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import {type RunOverrides, runManifest} from '../../core/run/run-manifest.js'
import {
  RUN_CLEANUP_TEMPLATE,
  cleanupUnitText,
  hostBinds,
  runUnit,
  runUnitBase,
  systemdRunArgs,
} from '../../core/run/run-unit.js'
import {hostView} from '../activation/host-view.js'
import {netHost} from '../net/net-host.js'
import {type NisoInvocation, nisoInvocation} from '../niso-invocation.js'
import {assembleRootfs} from '../rootfs/assemble.js'
import type {InstallOptions} from '../store/install.js'
import {firstLine, run, signalNumber} from '../systemd/run.js'
import {daemonReload, stop} from '../systemd/systemctl.js'
import {type RunNetwork, planRunNetwork} from './run-network.js'
import {runSource} from './run-source.js'

export interface RunRequest extends RunOverrides {
  /** A .niso file or an installed app's name. */
  readonly ref: string
  readonly version?: string
  readonly name?: string
  readonly detach: boolean
  /** `--network`: the network to join instead of the manifest's (or niso-default). */
  readonly network?: string
  /** `-p/--publish HOST:CONTAINER[/udp]` mappings, held while the run lasts. */
  readonly publish?: readonly string[]
  readonly install: InstallOptions
}

export interface RunResult {
  readonly unit: string
  /** The command's exit code (attached), 0 once started (detached), 128+N after signal N. */
  readonly exitCode: number
  readonly detached: boolean
}

/** Where runs keep their scratch directories (package payload, rootfs skeleton) while they last. */
export function runRoot(paths: NisoPaths): string {
  return path.join(paths.home, 'run')
}

/**
 * `niso run`: plans the app's unit with the engine activation uses (same preset, runtime, binds
 * and hardening), assembles its rootfs skeleton in a scratch directory and runs it once as a
 * transient unit. Like an activated service (and `docker run`), the run joins a network in a
 * namespace of its own, with a lease held while it lasts, unless its preset runs without any.
 * Attached, stdin/stdout/stderr and the exit code pass through, and SIGINT, SIGTERM or SIGHUP stop
 * the unit. However the unit ends, systemd starts the cleanup template, which releases the
 * attachment and removes the scratch directory as root; niso waits for that before returning.
 */
export async function runOneOff(config: Config, paths: NisoPaths, req: RunRequest): Promise<RunResult> {
  const id = randomBytes(4).toString('hex')
  const scratch = path.join(runRoot(paths), id)
  await fs.mkdir(scratch, {recursive: true, mode: 0o755})
  await fs.chmod(runRoot(paths), 0o755)
  let started = false
  let network: RunNetwork | undefined
  try {
    const source = await runSource(paths, req.ref, req.version, scratch, req.install)
    const manifest = runManifest(source.manifest, req)
    const [presets, runtimes] = await Promise.all([
      collectProviders(config, 'preset'),
      collectProviders(config, 'runtime'),
    ])
    const base = runUnitBase(manifest.package.name, req.name, id)
    network = await runNetwork(config, paths, req, {id, base, manifest, presets, dir: source.packageDir})
    const hostsFromNetwork = providesHosts(network?.contribution)
    const host = hostView(paths)
    const plan = await planUnit({
      manifest,
      packageDir: source.packageDir,
      presets,
      runtimes,
      host,
      paths,
      nisoVersion: config.version,
      rootDirectory: path.join(scratch, 'root'),
      extra: [hostBinds(manifest, {hostsFromNetwork})],
      ...(network ? {network: network.contribution, hostname: network.hostname} : {}),
      hasFile: (rel) => existsSync(path.join(source.packageDir, rel)),
    })
    const oneOff = runUnit(plan, {base, scratchId: id, manifest, hostsFromNetwork})
    await installCleanupTemplate(paths, nisoInvocation(config))
    // The attachment writes the hosts directory the rootfs binds.
    await network?.attach()
    await assembleRootfs(path.join(scratch, 'root'), oneOff.rootfs)
    await namedVolumes(paths, manifest)

    const args = systemdRunArgs(oneOff, req.detach)
    started = true
    if (req.detach) {
      const r = await run('systemd-run', args)
      if (r.code !== 0) {
        started = false
        throw new NisoError('E_RUN', `systemd-run ${oneOff.unitName}: ${firstLine(r.stderr) || `exit ${r.code}`}`)
      }
      return {unit: oneOff.unitName, exitCode: 0, detached: true}
    }
    const exitCode = await attached(args, oneOff.unitName)
    return {unit: oneOff.unitName, exitCode, detached: false}
  } finally {
    // Once systemd-run ran, the cleanup unit releases the network and removes the directory;
    // this covers everything else (a unit that never started runs no cleanup).
    if (!req.detach || !started) {
      await removeScratch(scratch, started ? 15_000 : 0)
      await network?.release()
    }
  }
}

/**
 * The run's network (`--network`, the manifest's, or niso-default), or none under a preset that
 * runs without any (then --network and --publish are refused).
 */
async function runNetwork(
  config: Config,
  paths: NisoPaths,
  req: RunRequest,
  run: {
    readonly id: string
    readonly base: string
    readonly manifest: Manifest
    readonly presets: readonly Provided<IsolationPreset>[]
    readonly dir: string
  },
): Promise<RunNetwork | undefined> {
  const publish = req.publish ?? []
  if (!joinsNetwork(run.manifest, run.presets)) {
    if (req.network !== undefined || publish.length) {
      const preset = run.manifest.isolation?.preset ?? DEFAULT_PRESET
      throw new NisoError(
        'E_FLAG',
        `--network/--publish: preset "${preset}" runs without any network (PrivateNetwork=yes)`,
      )
    }
    return undefined
  }
  const section = runNetworkSection(run.manifest, {
    unitBase: run.base,
    ...(req.network !== undefined ? {network: req.network} : {}),
    publish,
  })
  const source = {version: run.manifest.package.version, dir: run.dir, manifest: run.manifest}
  return planRunNetwork(await netHost(config, paths), run.id, source, section)
}

/** Runs systemd-run --wait --pipe on niso's own stdio; a signal to niso stops the unit. */
async function attached(args: readonly string[], unit: string): Promise<number> {
  const child = spawn('systemd-run', args, {stdio: 'inherit'})
  let signalled: NodeJS.Signals | undefined
  const stopping: Promise<void>[] = []
  const onSignal = (signal: NodeJS.Signals) => {
    signalled ??= signal
    stopping.push(stop(unit).catch(() => undefined))
  }
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
  for (const s of signals) process.on(s, onSignal)
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (error) => reject(new NisoError('E_RUN', `systemd-run: ${messageOf(error)}`)))
      child.on('close', (status, signal) => resolve(status ?? 128 + signalNumber(signal)))
    })
    await Promise.all(stopping)
    return signalled ? 128 + signalNumber(signalled) : code
  } finally {
    for (const s of signals) process.off(s, onSignal)
  }
}

/** Waits up to `graceMs` for the cleanup unit to remove the scratch directory, then removes what is left. */
async function removeScratch(scratch: string, graceMs: number): Promise<void> {
  const deadline = Date.now() + graceMs
  while (existsSync(scratch) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  await fs.rm(scratch, {recursive: true, force: true, maxRetries: 3})
}

/** The cleanup template in the unit directory (written, and systemd reloaded, only when it changed). */
async function installCleanupTemplate(paths: NisoPaths, niso: NisoInvocation): Promise<void> {
  const file = path.join(paths.unitDir, RUN_CLEANUP_TEMPLATE)
  const text = cleanupUnitText(runRoot(paths), niso)
  if ((await fs.readFile(file, 'utf8').catch(() => '')) === text) return
  await fs.mkdir(paths.unitDir, {recursive: true})
  const tmp = `${file}.tmp-${process.pid}`
  await fs.writeFile(tmp, text, {mode: 0o644})
  await fs.rename(tmp, file)
  await daemonReload()
}

/** Named volumes are directories under the volumes dir; a first run creates them. */
async function namedVolumes(paths: NisoPaths, manifest: ReturnType<typeof runManifest>): Promise<void> {
  for (const [name, volume] of Object.entries(manifest.volumes ?? {})) {
    if ('tmpfs' in volume || 'host' in volume) continue
    await fs.mkdir(path.join(paths.volumes, name), {recursive: true, mode: 0o755})
  }
}
