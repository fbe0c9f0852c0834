import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Config} from '@oclif/core'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {planActivation} from '../../core/activation/plan-activation.js'
import type {NisoPaths} from '../../core/paths.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import {installedVersion} from '../store/installed-version.js'
import {hostView} from './host-view.js'

/**
 * Gathers what planning needs (the installed package, its manifest, every plugin's presets and
 * runtimes, a read-only view of the host) and returns the activation plan for NAME [VERSION];
 * without VERSION, the newest installed one.
 */
export async function prepareActivation(
  config: Config,
  paths: NisoPaths,
  name: string,
  version?: string,
): Promise<ActivationPlan> {
  const {dir, manifest} = await installedVersion(paths, name, version)
  const [presets, runtimes] = await Promise.all([
    collectProviders(config, 'preset'),
    collectProviders(config, 'runtime'),
  ])
  const root = process.env.NISO_ROOT
  return planActivation({
    manifest,
    packageDir: dir,
    paths,
    host: hostView(paths),
    presets,
    runtimes,
    hasFile: (rel) => existsSync(path.join(dir, rel)),
    healthGate: {node: process.execPath, script: path.join(config.root, 'dist', 'health-gate', 'wait-healthy.js')},
    nisoCommand: [path.join(config.root, 'bin', 'niso')],
    nisoEnv: root && path.resolve(root) !== '/' ? {NISO_ROOT: path.resolve(root)} : {},
    nisoVersion: config.version,
  })
}
