import fs from 'node:fs'

/**
 * A process named so that a reused PID is not mistaken for it: the PID plus the kernel's start
 * time of that PID (field 22 of /proc/<pid>/stat, in clock ticks since boot). Lock files, staging
 * dirs and temp files carry this tag; a tag whose process is gone marks garbage left by a crash.
 */
export interface ProcessTag {
  readonly pid: number
  /** Start time in clock ticks, or "" where /proc is unavailable (then only the PID is checked). */
  readonly start: string
}

let self: ProcessTag | undefined

export function currentProcess(): ProcessTag {
  self ??= {pid: process.pid, start: pidStartTime(process.pid) ?? ''}
  return self
}

/** "<pid>-<start>", safe in file names. */
export function formatTag(tag: ProcessTag): string {
  return `${tag.pid}-${tag.start}`
}

export function parseTag(text: string): ProcessTag | undefined {
  const m = /^(\d+)-(\d*)$/.exec(text)
  return m ? {pid: Number(m[1]), start: m[2] as string} : undefined
}

/** True while the tagged process runs (same PID and, when known, the same start time). */
export function isAlive(tag: ProcessTag): boolean {
  if (!Number.isSafeInteger(tag.pid) || tag.pid <= 0) return false
  const start = pidStartTime(tag.pid)
  if (start !== undefined) return tag.start === '' || start === tag.start
  if (fs.existsSync('/proc/self/stat')) return false
  try {
    process.kill(tag.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** A live (not zombie) process's start time in clock ticks since boot; undefined when gone. */
export function pidStartTime(pid: number): string | undefined {
  let text: string
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The command name (field 2) may hold spaces and parentheses: fields resume after the last ")".
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return fields[0] === 'Z' || fields[0] === 'X' ? undefined : fields[19]
}
