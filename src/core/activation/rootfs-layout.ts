import path from 'node:path'

import type {RootfsStep, UnitFragment} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/**
 * Rootfs steps (from the host and plugins) → the layout niso assembles: a skeleton of
 * directories, small files and symlinks on disk, plus bind mounts that systemd performs in the
 * service's own mount namespace (BindReadOnlyPaths=/BindPaths=), so nothing stays mounted on
 * the host and the unit starts at boot with no niso process running.
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
  readonly binds: readonly BindMount[]
}

export interface ContributedStep {
  readonly step: RootfsStep
  /** Who asked for it, for conflict messages ("runtime nodejs", "host"). */
  readonly from: string
}

export function layoutRootfs(steps: readonly ContributedStep[]): RootfsLayout {
  const owners = new Map<string, {from: string; key: string}>()
  const dirs: {target: string; mode: number}[] = []
  const files: {target: string; content: string; mode: number}[] = []
  const symlinks: {target: string; linkTo: string}[] = []
  const binds: BindMount[] = []

  for (const {step, from} of steps) {
    const target = path.posix.normalize(step.target)
    // Two contributors asking for the very same thing (the same library bound read-only, the
    // same directory) agree; anything else on one target is a conflict.
    const key = JSON.stringify({...step, target, optional: undefined})
    const previous = owners.get(target)
    if (previous !== undefined) {
      if (previous.key === key) continue
      throw new NisoError(
        'E_ROOTFS_CONFLICT',
        `rootfs target ${target} is claimed twice: by ${previous.from} and by ${from}`,
      )
    }
    owners.set(target, {from, key})
    switch (step.kind) {
      case 'mkdir':
        dirs.push({target, mode: step.mode ?? 0o755})
        break
      case 'file':
        files.push({target, content: step.content, mode: step.mode ?? 0o644})
        break
      case 'symlink':
        symlinks.push({target, linkTo: step.linkTo})
        break
      case 'bind-ro':
      case 'bind-rw':
        binds.push({source: step.host, target, readOnly: step.kind === 'bind-ro', optional: step.optional ?? false})
        break
    }
  }
  const byTarget = <T extends {target: string}>(a: T, b: T) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0)
  return {
    dirs: dirs.sort(byTarget),
    files: files.sort(byTarget),
    symlinks: symlinks.sort(byTarget),
    binds: binds.sort(byTarget),
  }
}

/** systemd's Bind*Paths= syntax: "[-]source[:target[:options]]", with ":" and "\" escaped. */
export function bindSpec(bind: BindMount): string {
  const esc = (p: string) => p.replace(/\\/g, '\\\\').replace(/:/g, '\\:').replace(/ /g, '\\x20')
  const src = `${bind.optional ? '-' : ''}${esc(bind.source)}`
  return bind.source === bind.target ? src : `${src}:${esc(bind.target)}`
}

/** The unit directives that perform the layout's bind mounts. */
export function bindDirectives(binds: readonly BindMount[]): UnitFragment {
  const ro = binds.filter((b) => b.readOnly).map(bindSpec)
  const rw = binds.filter((b) => !b.readOnly).map(bindSpec)
  return {Service: {...(ro.length ? {BindReadOnlyPaths: ro} : {}), ...(rw.length ? {BindPaths: rw} : {})}}
}
