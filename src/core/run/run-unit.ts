import {type Contribution, type Manifest, type MergedUnit, quoteWord} from '@niso/plugin-sdk'

import {type RootfsLayout, layoutRootfs} from '../activation/rootfs-layout.js'
import {NisoError} from '../errors.js'
import {bindFragment} from '../plan/binds.js'
import {hostRootfs} from '../activation/host-rootfs.js'
import type {UnitPlan} from '../plan/plan-unit.js'
import {splitCommandLine} from '../unit/command-line.js'
import {COMMAND_DIRECTIVES, transientProperties} from '../unit/transient-properties.js'

/** Unit names of one-off runs: niso-run-<name>.service. */
export const RUN_UNIT_PREFIX = 'niso-run-'
/** The template unit that removes a run's directory once its unit is gone (see cleanupUnitText). */
export const RUN_CLEANUP_TEMPLATE = 'niso-run-cleanup@.service'

/**
 * Directives a one-off run sets itself or leaves out: the command (given as systemd-run's argv),
 * the restart policy (a one-off never restarts), the service type (exec, so a command that cannot
 * be executed fails the start) and the description (systemd-run --description). ExecStartPost=
 * stays: it carries the host's step that gives the run its hostname.
 */
const RUN_OWN = new Set([...COMMAND_DIRECTIVES.filter((d) => d !== 'ExecStartPost'), 'Description'])

/** A planned unit's [Unit] and [Service] directives as `systemd-run -p` properties, without the run's own. */
export function runProperties(unit: MergedUnit): string[] {
  return transientProperties(unit, {sections: ['Unit', 'Service'], omit: RUN_OWN})
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** `--name` or "<app>-<random>" → the run's unit base name (also its directory's name). */
export function runUnitBase(app: string, name: string | undefined, random: string): string {
  if (name !== undefined && !NAME_RE.test(name)) {
    throw new NisoError('E_FLAG', `--name ${name}: use letters, digits, ".", "_" or "-" (at most 64)`)
  }
  return `${RUN_UNIT_PREFIX}${name ?? `${app.replace(/^@/, '').replaceAll('/', '-')}-${random}`}`
}

/**
 * The host's rootfs binds for planUnit (phase "host"): name resolution, CAs and time zone, as an
 * activated service gets them. /app is bound by planUnit itself.
 */
export function hostBinds(
  manifest: Readonly<Manifest>,
  opts: {readonly hostsFromNetwork?: boolean} = {},
): Contribution {
  return {phase: 'host', source: 'niso (rootfs)', fragment: bindFragment(hostRootfs(manifest, opts), 'niso (rootfs)')}
}

export interface RunUnit {
  readonly unitName: string
  readonly description: string
  /** `systemd-run -p` properties: the planned unit's sandbox and limits. */
  readonly properties: readonly string[]
  /** The command, as systemd executes it. */
  readonly argv: readonly string[]
  /** The skeleton to assemble at the plan's RootDirectory. */
  readonly rootfs: RootfsLayout
}

/** A planned unit → what `systemd-run` needs to run it once, with the same sandbox. */
export function runUnit(
  plan: UnitPlan,
  opts: {
    readonly base: string
    /** The run's scratch directory name under the runs dir (what the cleanup unit removes). */
    readonly scratchId: string
    readonly manifest: Readonly<Manifest>
    /** The network backend provides /etc/hosts (the run joined a network). */
    readonly hostsFromNetwork?: boolean
  },
): RunUnit {
  const exec = plan.fragment.Service.ExecStart
  if (exec === undefined) throw new NisoError('E_NO_EXECSTART', `${plan.unitName}: the plan has no ExecStart=`)
  const argv = Array.isArray(exec) ? [...exec] : splitCommandLine(exec)
  // The same skeleton as an activation: host files, plugin steps, and a mount point for every
  // bind, volume and tmpfs of the unit.
  const rootfs = layoutRootfs(
    [
      ...hostRootfs(opts.manifest, {hostsFromNetwork: opts.hostsFromNetwork ?? false}).map((step) => ({
        step,
        from: 'host',
      })),
      ...plan.rootfs.map((step) => ({step, from: 'plugins'})),
    ],
    plan.fragment,
  )
  return {
    unitName: `${opts.base}.service`,
    description: `niso run ${opts.manifest.package.name}@${opts.manifest.package.version}`,
    properties: [
      'Type=exec',
      ...runProperties(plan.fragment),
      `OnSuccess=${cleanupInstance(opts.scratchId)}`,
      `OnFailure=${cleanupInstance(opts.scratchId)}`,
    ],
    argv,
    rootfs,
  }
}

/** The cleanup unit instance for a run: systemd starts it when the run's unit ends, however it ends. */
export function cleanupInstance(scratchId: string): string {
  return RUN_CLEANUP_TEMPLATE.replace('@', `@${scratchId}`)
}

/**
 * The template that ends a run as root on the host once its transient unit has ended, with no
 * niso process left waiting: `niso net release-run` frees the run's network attachment (lease,
 * namespace, veth, mappings, hosts entries; nothing when it had none), then <runDir>/<instance>
 * is removed. The directory goes last, so a caller waiting for it sees the network gone too.
 */
export function cleanupUnitText(
  runDir: string,
  niso: {readonly command: readonly string[]; readonly env: Readonly<Record<string, string>>},
): string {
  return [
    '# Generated by niso: releases a `niso run` and removes its directory once its transient unit has ended.',
    '[Unit]',
    'Description=niso run cleanup of %i',
    'DefaultDependencies=no',
    'CollectMode=inactive-or-failed',
    '',
    '[Service]',
    'Type=oneshot',
    ...Object.entries(niso.env).map(([k, v]) => `Environment=${quoteWord(`${k}=${v}`, 'exec')}`),
    `ExecStart=-${[...niso.command, 'net', 'release-run'].map((w) => quoteWord(w, 'exec')).join(' ')} %i`,
    `ExecStart=rm -rf --one-file-system -- ${quoteWord(runDir, 'exec')}/%i`,
    '',
  ].join('\n')
}

/** systemd-run's arguments for a run: attached (--wait --pipe, exit code passed through) or detached. */
export function systemdRunArgs(run: RunUnit, detach: boolean): string[] {
  return [
    ...(detach ? [] : ['--wait', '--pipe']),
    '--collect',
    '--quiet',
    `--unit=${run.unitName}`,
    `--description=${run.description}`,
    ...run.properties.flatMap((p) => ['-p', p]),
    '--',
    // systemd expands $VAR in the command at exec time; "$$" is a literal "$".
    ...run.argv.map((word) => word.replaceAll('$', () => '$$')),
  ]
}
