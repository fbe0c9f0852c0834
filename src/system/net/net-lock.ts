import {AsyncLocalStorage} from 'node:async_hooks'
import fs from 'node:fs'
import path from 'node:path'

import type {NisoPaths} from '../../core/paths.js'
import {acquireLock, cleanLockLeftovers, lockTimeoutMs} from '../state/lock.js'

/**
 * The host-wide networking lock: one niso process at a time changes the host's networking, from
 * the state transaction that records a change through the systemd start that brings it up (or
 * the undo that takes it back). Without it, two processes staging at once each write companion
 * units and a ruleset from their own view of the state, and one removes a unit the other then
 * starts.
 *
 * Re-entrant within one async flow (an undo reconciles again while its caller holds the lock);
 * other flows in the same process queue behind it like other processes do. Outermost, always: it
 * is taken before the state lock and never while holding it.
 */
const held = new AsyncLocalStorage<string>()
/** Longer than the state lock's bound: the holder may be waiting for a service to become healthy. */
const NET_LOCK_TIMEOUT_MS = 300_000
const queues = new Map<string, Promise<unknown>>()

export function netLockFile(paths: NisoPaths): string {
  return path.join(paths.state, 'net.lock')
}

export async function withNetLock<T>(paths: NisoPaths, fn: () => Promise<T>): Promise<T> {
  const file = netLockFile(paths)
  if (held.getStore() === file) return fn()
  const previous = queues.get(file) ?? Promise.resolve()
  const mine = previous.catch(() => undefined).then(() => holding(file, fn))
  queues.set(file, mine)
  try {
    return await mine
  } finally {
    if (queues.get(file) === mine) queues.delete(file)
  }
}

async function holding<T>(file: string, fn: () => Promise<T>): Promise<T> {
  fs.mkdirSync(path.dirname(file), {recursive: true})
  const timeoutMs = process.env.NISO_LOCK_TIMEOUT_MS ? lockTimeoutMs() : NET_LOCK_TIMEOUT_MS
  const lock = await acquireLock(file, {timeoutMs})
  try {
    cleanLockLeftovers(file)
    return await held.run(file, fn)
  } finally {
    lock.release()
  }
}

/** For the steps that only make sense under the lock (staging): a programming error otherwise. */
export function assertNetLock(paths: NisoPaths, what: string): void {
  if (held.getStore() !== netLockFile(paths)) throw new Error(`${what}: called without the network lock`)
}
