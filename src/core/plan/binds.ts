import path from 'node:path'

import type {RootfsStep, UnitFragment} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'

/**
 * Rootfs bind steps → the unit directives that perform them (systemd mounts them in the
 * service's own mount namespace, so nothing stays mounted on the host). Paths with whitespace,
 * ":" or "\" are refused rather than escaped: Bind*Paths= splits on ":" and niso never needs them.
 */
export function bindFragment(steps: readonly RootfsStep[], source: string): UnitFragment {
  const ro: string[] = []
  const rw: string[] = []
  for (const step of steps) {
    if (step.kind !== 'bind-ro' && step.kind !== 'bind-rw') continue
    const item = bindItem(step.host, step.target, source, step.optional ?? false)
    if (step.kind === 'bind-ro') ro.push(item)
    else rw.push(item)
  }
  return {Service: {...(ro.length ? {BindReadOnlyPaths: ro} : {}), ...(rw.length ? {BindPaths: rw} : {})}}
}

/** "[-]host[:target]" for Bind*Paths=; the target is left out when it equals the host path. */
export function bindItem(host: string, target: string, source: string, optional = false): string {
  const from = mountPath(host, source)
  const to = mountPath(target, source)
  return `${optional ? '-' : ''}${from}${from === to ? '' : `:${to}`}`
}

/** A normalized absolute path that is safe to write unquoted in a mount directive. */
export function mountPath(p: string, source: string): string {
  if (!p.startsWith('/') || /[\s:\\]/.test(p) || p.split('/').includes('..')) {
    throw new NisoError(
      'E_UNIT_MOUNT',
      `${source}: mount path "${p}" must be absolute, without "..", whitespace, ":" or "\\"`,
    )
  }
  return path.posix.normalize(p).replace(/(.)\/$/, '$1')
}

/** A Bind*Paths= item as `bindItem` writes it ("[-]host[:target]"), read back. */
export function parseBindItem(item: string): {host: string; target: string; optional: boolean} {
  const optional = item.startsWith('-')
  const [host = '', target = host] = (optional ? item.slice(1) : item).split(':')
  return {host, target, optional}
}
