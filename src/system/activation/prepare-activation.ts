import {existsSync} from 'node:fs'
import path from 'node:path'

import type {Config} from '@oclif/core'

import type {ActivationPlan} from '../../core/activation/activation-plan.js'
import {planActivation} from '../../core/activation/plan-activation.js'
import {NisoError} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {type NisoPaths, packageDir} from '../../core/paths.js'
import {collectProviders} from '../../core/plugins/collect-providers.js'
import {readState} from '../state/db.js'
import {listPackages} from '../state/packages-repo.js'
import {compareVersions} from '../store/semver.js'
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
  const installed = await readState(paths, (db) => listPackages(db, name))
  if (installed.length === 0) {
    throw new NisoError('E_NOT_INSTALLED', `${name} is not installed`, {
      hint: `niso install ${name}-<version>-<arch>.niso`,
    })
  }
  const record = version
    ? installed.find((p) => p.version === version)
    : [...installed].sort((a, b) => compareVersions(b.version, a.version))[0]
  if (!record) {
    const have = installed.map((p) => p.version).join(', ')
    throw new NisoError('E_NOT_INSTALLED', `${name} ${version} is not installed (installed: ${have})`)
  }
  const dir = packageDir(paths, record.name, record.version)
  const manifest = parseManifest(record.manifest, path.join(dir, 'manifest.toml'))
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
