import path from 'node:path'

import {
  type AppView,
  type Contribution,
  type HostView,
  type Manifest,
  isProviderError,
  type RelaxationRequest,
  RelaxationSchema,
  type RootfsStep,
  RootfsStepSchema,
  type RuntimeProvider,
  type UnitFragment,
} from '@niso/plugin-sdk'
import * as v from 'valibot'

import {NisoError, messageOf} from '../errors.js'
import type {Provided} from '../plugins/provided.js'
import {deepFreeze} from '../plugins/settle-providers.js'
import {bindFragment} from './binds.js'
import {APP_MOUNT} from './host-base.js'

/** What the runtime phase contributes: who runs the app, what it needs in the rootfs, what it loosens. */
export interface RuntimePhase {
  readonly contributions: readonly Contribution[]
  /** Every rootfs step (binds are also in `contributions` as Bind*Paths=). */
  readonly rootfs: readonly RootfsStep[]
  readonly needs: readonly RelaxationRequest[]
  /** The runtime, when [runtime].use names one. */
  readonly runtime?: {readonly id: string; readonly version: string; readonly plugin: string}
}

export interface RuntimePhaseInput {
  readonly manifest: Readonly<Manifest>
  readonly packageDir: string
  readonly runtimes: readonly Provided<RuntimeProvider>[]
  readonly host: HostView
  /** Whether a path (relative to the package root) is in the package; lets a bare entrypoint be found. */
  readonly hasFile?: (relPath: string) => boolean
}

const RuntimePlanSchema = v.object({
  unit: v.unknown(),
  rootfs: v.array(RootfsStepSchema),
  needs: v.optional(v.array(RelaxationSchema)),
})

/** [runtime].use → the runtime provider's plan; no runtime → the compiled binary from [binary]. */
export async function runtimePhase(input: RuntimePhaseInput): Promise<RuntimePhase> {
  const use = input.manifest.runtime?.use
  return use ? interpreted(input, use) : compiled(input)
}

async function interpreted(input: RuntimePhaseInput, use: string): Promise<RuntimePhase> {
  const [id = '', version = ''] = use.split(':')
  const found = input.runtimes.find((r) => r.provider.id === id)
  if (!found) {
    const available = input.runtimes.map((r) => r.provider.id).sort()
    throw new NisoError(
      'E_UNKNOWN_RUNTIME',
      `manifest.toml [runtime] use: unknown runtime "${id}" (available: ${available.join(', ') || 'none installed'})`,
    )
  }
  const who = `runtime "${id}" (${found.plugin})`
  const m = input.manifest
  const app: AppView = {name: m.package.name, version: m.package.version, dir: input.packageDir, manifest: m}
  let plan: unknown
  try {
    // Providers get a frozen copy: they read the manifest, they never change what the host plans with.
    plan = await found.provider.resolve(
      deepFreeze({app: structuredClone(app), runtime: {id, version}, host: input.host}),
    )
  } catch (error) {
    if (isProviderError(error)) {
      throw new NisoError(error.code, error.message, error.hint ? {hint: error.hint} : {})
    }
    throw new NisoError('E_RUNTIME', `${who} failed to plan: ${messageOf(error)}`)
  }
  const parsed = v.safeParse(RuntimePlanSchema, plan)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    throw new NisoError(
      'E_RUNTIME',
      `${who} returned an invalid plan: ${v.getDotPath(issue) ?? 'plan'}: ${issue.message}`,
    )
  }
  const source = `${found.pluginName} (runtime "${id}")`
  const rootfs = parsed.output.rootfs
  return {
    contributions: [
      {phase: 'runtime', source, fragment: parsed.output.unit as UnitFragment},
      {phase: 'runtime', source, fragment: bindFragment(rootfs, source)},
    ],
    rootfs,
    needs: (parsed.output.needs ?? []).map((r) => ({...r, by: `runtime "${id}"`})),
    runtime: {id, version, plugin: found.plugin},
  }
}

/** A compiled app: ExecStart is the package's binary; the rootfs gets its shared-library closure. */
async function compiled(input: RuntimePhaseInput): Promise<RuntimePhase> {
  const binary = input.manifest.binary
  if (!binary) {
    throw new NisoError(
      'E_NO_ENTRYPOINT',
      'manifest.toml: [binary] entrypoint is required when [runtime] use is not set',
    )
  }
  const exe = entrypointPath(binary.entrypoint, input.hasFile)
  const source = 'manifest.toml [binary]'
  const onHost = exe.startsWith(`${APP_MOUNT}/`)
    ? path.posix.join(input.packageDir, exe.slice(APP_MOUNT.length + 1))
    : undefined
  const libraries = onHost ? await input.host.probe.libraryClosure(onHost) : []
  const rootfs: RootfsStep[] = libraries.map((lib) => ({kind: 'bind-ro', host: lib, target: lib}))
  return {
    contributions: [
      {phase: 'runtime', source, fragment: {Service: {ExecStart: [exe, ...binary.args]}}},
      {phase: 'runtime', source, fragment: bindFragment(rootfs, source)},
    ],
    rootfs,
    needs: [],
  }
}

/**
 * Where a compiled entrypoint is inside the rootfs. Absolute: as given. A bare name is a package
 * binary in bin/ (the package format's `bin/<entrypoint>`), or at the package root when only
 * that exists; a relative path with "/" is relative to the package root.
 */
export function entrypointPath(entrypoint: string, hasFile?: (relPath: string) => boolean): string {
  if (entrypoint.startsWith('/')) return path.posix.normalize(entrypoint)
  const rel = path.posix.normalize(entrypoint)
  if (rel.startsWith('../') || rel === '..') {
    throw new NisoError('E_NO_ENTRYPOINT', `manifest.toml [binary] entrypoint "${entrypoint}" leaves the package`)
  }
  const candidates = rel.includes('/') ? [rel] : [`bin/${rel}`, rel]
  if (!hasFile) return `${APP_MOUNT}/${candidates[0]}`
  const found = candidates.find((c) => hasFile(c))
  if (!found) {
    throw new NisoError(
      'E_NO_ENTRYPOINT',
      `manifest.toml [binary] entrypoint "${entrypoint}": ${candidates.join(' or ')} is not in the package`,
    )
  }
  return `${APP_MOUNT}/${found}`
}
