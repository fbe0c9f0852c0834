import crypto from 'node:crypto'
import fs from 'node:fs'

import {messageOf} from '../../core/errors.js'
import {entryError} from './extract-rules.js'
import {writeAllSync} from '../write-all.js'

/**
 * Writes verified entries under a fresh staging root, never through a link: parents are created
 * by us (a Set remembers them) and may not be symlinks or files; files are created with O_EXCL
 * ('wx'), so nothing planted can be written through; directory modes are applied last, deepest
 * first, so a read-only directory cannot block its own children.
 */
export class StagingWriter {
  readonly root: string
  readonly label: string
  /** Archive paths of regular files (and hardlinks to them) → sha256 of their content. */
  readonly files = new Map<string, string>()
  readonly symlinks = new Map<string, string>()
  private readonly dirs = new Set<string>([''])
  private readonly dirModes = new Map<string, number>()

  constructor(root: string, label: string) {
    this.root = root
    this.label = label
  }

  hasDir(rel: string): boolean {
    return this.dirs.has(rel)
  }

  /** `rel` passed checkEntryPath (no "..", no "//", not absolute): no normalising needed. */
  abs(rel: string): string {
    return `${this.root}/${rel}`
  }

  /** Makes every missing ancestor of `rel`, refusing to pass through a symlink or a file. */
  private ensureParent(rel: string): void {
    let at = rel.lastIndexOf('/')
    if (at === -1 || this.dirs.has(rel.slice(0, at))) return
    const missing: string[] = []
    while (at !== -1) {
      const parent = rel.slice(0, at)
      if (this.dirs.has(parent)) break
      if (this.symlinks.has(parent)) {
        throw entryError('E_ARCHIVE_LINK', this.label, rel, `path goes through the symlink "${parent}"`)
      }
      if (this.files.has(parent)) throw entryError('E_ARCHIVE_PATH', this.label, rel, `"${parent}" is a file`)
      missing.push(parent)
      at = parent.lastIndexOf('/')
    }
    for (const dir of missing.reverse()) {
      this.mkdir(rel, dir, 0o755)
    }
  }

  private mkdir(rel: string, dir: string, finalMode: number): void {
    try {
      fs.mkdirSync(this.abs(dir), 0o700)
    } catch (error) {
      throw entryError('E_ARCHIVE_WRITE', this.label, rel, `cannot create directory (${messageOf(error)})`)
    }
    this.dirs.add(dir)
    this.dirModes.set(dir, finalMode)
  }

  directory(rel: string, mode: number): void {
    this.ensureParent(rel)
    if (this.dirs.has(rel)) {
      this.dirModes.set(rel, mode)
      return
    }
    this.mkdir(rel, rel, mode)
  }

  openFile(rel: string, mode: number): FileSink {
    this.ensureParent(rel)
    let fd: number
    try {
      fd = fs.openSync(this.abs(rel), 'wx', mode)
    } catch (error) {
      throw entryError('E_ARCHIVE_WRITE', this.label, rel, `cannot create file (${messageOf(error)})`)
    }
    return new FileSink(fd, rel, mode, this)
  }

  symlink(rel: string, target: string): void {
    this.ensureParent(rel)
    try {
      fs.symlinkSync(target, this.abs(rel))
    } catch (error) {
      throw entryError('E_ARCHIVE_WRITE', this.label, rel, `cannot create symlink (${messageOf(error)})`)
    }
    this.symlinks.set(rel, target)
  }

  /** A hardlink to a regular file extracted earlier (never to a symlink or through one). */
  hardlink(rel: string, target: string): string {
    const sha = this.files.get(target)
    if (sha === undefined) {
      throw entryError(
        'E_ARCHIVE_LINK',
        this.label,
        rel,
        `hardlink target "${target}" is not a file extracted before it`,
      )
    }
    this.ensureParent(rel)
    try {
      fs.linkSync(this.abs(target), this.abs(rel))
    } catch (error) {
      throw entryError('E_ARCHIVE_WRITE', this.label, rel, `cannot create hardlink (${messageOf(error)})`)
    }
    this.files.set(rel, sha)
    return sha
  }

  /** Applies directory modes, deepest first (the root gets 0755), once every write is done. */
  finish(): void {
    const byDepth = [...this.dirModes].map(([rel, mode]) => ({rel, mode, depth: depth(rel)}))
    byDepth.sort((a, b) => b.depth - a.depth)
    for (const {rel, mode} of byDepth) fs.chmodSync(this.abs(rel), mode)
    fs.chmodSync(this.root, 0o755)
  }
}

/** The process umask, read once (reading it means setting it: set it straight back). */
const UMASK = (() => {
  const old = process.umask(0o022)
  process.umask(old)
  return old
})()

const EMPTY = new Uint8Array(0)

function depth(rel: string): number {
  let n = 0
  for (let i = 0; i < rel.length; i++) if (rel.charCodeAt(i) === 47) n++
  return n
}

/**
 * One file being written, hashed as it is written; its mode is fixed on close. Modification times
 * are not restored: packs normalise them anyway, and a futimes per file costs ~5% of an install.
 */
export class FileSink {
  private readonly fd: number
  private readonly rel: string
  private readonly mode: number
  private readonly writer: StagingWriter
  /** Most files arrive in one chunk: hashed in one shot on close, without a Hash object. */
  private first: Uint8Array | undefined
  private hash: crypto.Hash | undefined
  private closed = false

  constructor(fd: number, rel: string, mode: number, writer: StagingWriter) {
    this.fd = fd
    this.rel = rel
    this.mode = mode
    this.writer = writer
  }

  write(chunk: Uint8Array): void {
    if (this.hash) {
      this.hash.update(chunk)
    } else if (this.first === undefined) {
      this.first = chunk
    } else {
      this.hash = crypto.createHash('sha256').update(this.first).update(chunk)
      this.first = undefined
    }
    writeAllSync(this.fd, chunk)
  }

  /** Closes the file and returns the sha256 of what was written. */
  close(): string {
    this.closed = true
    try {
      // open() applied the mode through the umask: fix it up only when the umask took bits away.
      if ((this.mode & UMASK) !== 0) fs.fchmodSync(this.fd, this.mode)
    } finally {
      fs.closeSync(this.fd)
    }
    const sha = this.hash ? this.hash.digest('hex') : crypto.hash('sha256', this.first ?? EMPTY, 'hex')
    this.writer.files.set(this.rel, sha)
    return sha
  }

  /** On error paths: closes without recording. */
  abandon(): void {
    if (this.closed) return
    this.closed = true
    fs.closeSync(this.fd)
  }
}
