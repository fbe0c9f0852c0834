import path from 'node:path'

import {type MergedUnit, type RootfsStep, mountTarget} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {parseBindItem} from '../plan/binds.js'

/**
 * What niso assembles on disk for a rootfs: a skeleton of directories, small files and symlinks,
 * plus the mount points of the unit's bind mounts, which systemd performs in the service's own
 * mount namespace (BindReadOnlyPaths=/BindPaths=), so nothing stays mounted on the host and the
 * unit starts at boot with no niso process running.
 */
export interface BindMount {
  readonly source: string
  readonly target: string
  readonly readOnly: boolean
  /** A missing source is skipped (systemd's "-" prefix) instead of failing the start. */
  readonly optional: boolean
}

export interface RootfsLayout {
  readonly dirs: readonly {readonly target: string; readonly mode: number}[]
  readonly files: readonly {readonly target: string; readonly content: string; readonly mode: number}[]
  readonly symlinks: readonly {readonly target: string; readonly linkTo: string}[]
  /** Every Bind*Paths= of the unit, as systemd will mount it. */
  readonly binds: readonly BindMount[]
}

export interface ContributedStep {
  readonly step: RootfsStep
  /** Who asked for it, for conflict messages ("niso", a runtime). */
  readonly from: string
}

/**
 * Rootfs steps (binds among them are already in the unit) and the merged unit → the layout.
 * Two contributors asking for the very same directory, file or symlink agree; anything else on
 * one target is a conflict, and so is a file or symlink where the unit mounts something.
 */
export function layoutRootfs(steps: readonly ContributedStep[], unit: MergedUnit): RootfsLayout {
  const owners = new Map<string, {from: string; key: string}>()
  const dirs: {target: string; mode: number}[] = []
  const files: {target: string; content: string; mode: number}[] = []
  const symlinks: {target: string; linkTo: string}[] = []
  const binds = unitBinds(unit)
  const mounted = new Set([...binds.map((b) => b.target), ...listOf(unit, 'TemporaryFileSystem').map(tmpfsTarget)])

  for (const {step, from} of steps) {
    if (step.kind === 'bind-ro' || step.kind === 'bind-rw') continue
    const target = path.posix.normalize(step.target)
    const key = step.kind === 'mkdir' ? `mkdir ${step.mode ?? 0o755}` : JSON.stringify(step)
    const previous = owners.get(target)
    if (previous?.key === key) continue
    if (previous !== undefined || (step.kind !== 'mkdir' && mounted.has(target))) {
      throw new NisoError(
        'E_ROOTFS_CONFLICT',
        `rootfs target ${target} is claimed twice: by ${previous?.from ?? 'a mount in the unit'} and by ${from}`,
      )
    }
    owners.set(target, {from, key})
    if (step.kind === 'mkdir') dirs.push({target, mode: step.mode ?? 0o755})
    else if (step.kind === 'file') files.push({target, content: step.content, mode: step.mode ?? 0o644})
    else symlinks.push({target, linkTo: step.linkTo})
  }
  // TemporaryFileSystem= mounts onto a directory that must exist inside RootDirectory.
  for (const target of listOf(unit, 'TemporaryFileSystem').map(tmpfsTarget)) {
    if (!owners.has(target)) dirs.push({target, mode: 0o755})
  }
  const byTarget = <T extends {target: string}>(a: T, b: T) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0)
  return {
    dirs: dirs.sort(byTarget),
    files: files.sort(byTarget),
    symlinks: symlinks.sort(byTarget),
    binds: binds.sort(byTarget),
  }
}

function unitBinds(unit: MergedUnit): BindMount[] {
  return (['BindReadOnlyPaths', 'BindPaths'] as const).flatMap((directive) =>
    listOf(unit, directive).map((item) => {
      const {host, target, optional} = parseBindItem(item)
      return {source: host, target, readOnly: directive === 'BindReadOnlyPaths', optional}
    }),
  )
}

function tmpfsTarget(item: string): string {
  return mountTarget('TemporaryFileSystem', item)
}

function listOf(unit: MergedUnit, name: string): string[] {
  const value = unit.Service[name]
  return value === undefined ? [] : [value].flat()
}
