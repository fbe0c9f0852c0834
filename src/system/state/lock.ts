import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'

import {NisoError, messageOf} from '../../core/errors.js'
import {type ProcessTag, currentProcess, formatTag, isAlive, parseTag} from './process-identity.js'
import {listDirOr} from '../read-or.js'

/**
 * An exclusive lock between niso processes: a file created with O_EXCL (through link(2), so it
 * appears with its content complete) naming its holder's PID and start time. A lock whose holder
 * is gone (crash, kill -9) is taken over; a live one is waited for, up to a bound, then refused
 * with a message naming the holder.
 */
export interface LockHolder extends ProcessTag {
  readonly nonce: string
  readonly command: string
  /** ms since the epoch */
  readonly since: number
}

export interface HeldLock {
  readonly file: string
  release(): void
}

export const DEFAULT_LOCK_TIMEOUT_MS = 30_000

export function lockTimeoutMs(): number {
  const env = Number(process.env.NISO_LOCK_TIMEOUT_MS)
  return Number.isFinite(env) && env > 0 ? env : DEFAULT_LOCK_TIMEOUT_MS
}

export async function acquireLock(
  file: string,
  options: {timeoutMs?: number; command?: string} = {},
): Promise<HeldLock> {
  const timeoutMs = options.timeoutMs ?? lockTimeoutMs()
  const me: LockHolder = {
    ...currentProcess(),
    nonce: crypto.randomBytes(8).toString('hex'),
    command: options.command ?? commandLine(),
    since: Date.now(),
  }
  const text = `${JSON.stringify(me)}\n`
  const deadline = Date.now() + timeoutMs
  let delay = 2
  for (;;) {
    if (tryCreate(file, text)) return {file, release: () => release(file, me)}
    const holder = readHolder(file)
    if (holder === 'gone') continue
    if (holder === 'unreadable' || !isAlive(holder)) {
      takeOver(file, holder)
      continue
    }
    if (Date.now() >= deadline) {
      const secs = Math.round((Date.now() - holder.since) / 1000)
      throw new NisoError(
        'E_STATE_LOCKED',
        `${file}: held by pid ${holder.pid} (${holder.command}) for ${secs}s; gave up after ${Math.round(timeoutMs / 1000)}s`,
        {hint: 'another niso command is changing the state; retry when it has finished'},
      )
    }
    await sleep(delay + Math.random() * delay)
    delay = Math.min(delay * 2, 50)
  }
}

/** Writes the holder record to a private temp name, then links it into place: EEXIST means taken. */
function tryCreate(file: string, text: string): boolean {
  const tmp = `${file}.${formatTag(currentProcess())}.${crypto.randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(tmp, text, {mode: 0o644, flag: 'wx'})
  try {
    fs.linkSync(tmp, file)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new NisoError('E_STATE', `${file}: cannot create lock (${messageOf(error)})`)
  } finally {
    fs.rmSync(tmp, {force: true})
  }
}

function readHolder(file: string): LockHolder | 'gone' | 'unreadable' {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw new NisoError('E_STATE', `${file}: cannot read lock (${messageOf(error)})`)
  }
  try {
    const h = JSON.parse(text) as LockHolder
    return typeof h.pid === 'number' && typeof h.nonce === 'string' ? h : 'unreadable'
  } catch {
    return 'unreadable'
  }
}

/**
 * Removes a stale lock without ever removing a live one: rename it to a private name, then check
 * that what was renamed is still the stale record judged dead. If another process replaced it in
 * between (a fresh, live lock), put that one back.
 */
function takeOver(file: string, stale: LockHolder | 'unreadable'): void {
  const aside = `${file}.stale.${formatTag(currentProcess())}.${crypto.randomBytes(4).toString('hex')}`
  try {
    fs.renameSync(file, aside)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new NisoError('E_STATE', `${file}: cannot remove stale lock (${messageOf(error)})`)
  }
  const moved = readHolder(aside)
  const same =
    stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.nonce === stale.nonce
  if (!same) {
    try {
      fs.linkSync(aside, file)
    } catch {
      // A third process holds a newer lock already; the one we moved will find its lock gone on release.
    }
  }
  fs.rmSync(aside, {force: true})
}

function release(file: string, me: LockHolder): void {
  const holder = readHolder(file)
  if (typeof holder === 'object' && holder.nonce === me.nonce) fs.rmSync(file, {force: true})
}

/** Removes lock temp files left by processes that died between writing and linking them. */
export function cleanLockLeftovers(file: string): void {
  const dir = path.dirname(file)
  const base = path.basename(file)
  for (const name of listDirOr(dir)) {
    const m = new RegExp(`^${escapeRegExp(base)}\\.(?:stale\\.)?(\\d+-\\d*)\\.[0-9a-f]+(?:\\.tmp)?$`).exec(name)
    const tag = m ? parseTag(m[1] as string) : undefined
    if (tag && !isAlive(tag)) fs.rmSync(path.join(dir, name), {force: true})
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function commandLine(): string {
  const args = process.argv.slice(2).filter((a) => !a.startsWith('-'))
  return ['niso', ...args.slice(0, 2)].join(' ')
}
