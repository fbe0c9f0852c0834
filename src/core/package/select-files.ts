import path from 'node:path'

import ignore from 'ignore'

import {NisoError} from '../errors.js'
import {HEAD_ENTRIES, PACKAGE_EXTENSION, compareBytes} from './format.js'

/**
 * Which files of a source tree go into a package. Pure: it sees paths (from the walk), the
 * manifest's [copy].include and the text of .nisoignore, and touches no filesystem.
 *
 * Rules, in order:
 * - `[copy].include` entries are paths from the package root with .gitignore glob syntax
 *   (`*`, `?`, `**`, `[...]`; a trailing "/" matches directories only), anchored at the root:
 *   "server.js" means ./server.js, not any server.js below. A directory brings everything in it.
 *   Without [copy].include the whole tree is a candidate.
 * - `.nisoignore` (gitignore syntax) removes candidates.
 * - An explicit include wins: when an include entry itself names a path that .nisoignore ignores
 *   (the docs' `node_modules/` in both), that path and everything below it are packed whole.
 *   An include that is not ignored keeps .nisoignore in force inside it (`dist/` minus `*.map`).
 * - Always left out, whatever the rules say: `.git/` at any depth, `*.niso` files (and pack's
 *   temp files), secret keys named niso-signing.key, the head entries at the root (manifest.toml
 *   is packed as the head, checksums.sha256 and signature.ed25519 are generated), and any
 *   `exclude` paths given (the --sign key file when it lies in the tree).
 */
export type SourceKind = 'file' | 'dir' | 'symlink' | 'other'

export interface SourceEntry {
  /** Relative to the package root, "/"-separated, no trailing slash. */
  readonly path: string
  readonly kind: SourceKind
  /** Symlink target, as read. */
  readonly linkTarget?: string
  /** For `other`: what it is (socket, FIFO, device), for the error message. */
  readonly special?: string
}

export interface SelectionRules {
  readonly include?: readonly string[] | undefined
  /** Text of .nisoignore ('' when absent). */
  readonly ignoreText: string
  /** Extra package paths never to pack. */
  readonly exclude?: readonly string[]
}

export interface Selection {
  /** Sorted in archive order (byte order of the tar name, directories with "/"), with every ancestor directory. */
  readonly entries: SourceEntry[]
  /** One line each, e.g. `[copy].include "node_modules/" matches nothing`. */
  readonly warnings: string[]
}

export const SECRET_KEY_NAME = 'niso-signing.key'

interface PathState {
  readonly covered: boolean
  readonly ignored: boolean
  readonly override: boolean
  readonly included: boolean
}

interface IncludePattern {
  readonly text: string
  /** Whether the pattern selects `key` ("dir/" for directories) or one of its parents. */
  readonly covers: (key: string) => boolean
  /** Literal leading path segments, and whether anything after them is a glob. */
  readonly prefix: readonly string[]
  readonly glob: boolean
}

/** A temp file an interrupted `niso pack` may have left: ".<name>.niso.<pid>.tmp". */
const PACK_TEMP_RE = /^\..+\.niso\.\d+\.tmp$/
const GLOB_RE = /[*?[\\]/
const ROOT: PathState = {covered: false, ignored: false, override: false, included: false}

export class FileSelector {
  private readonly patterns: readonly IncludePattern[] | undefined
  private readonly ignored: ignore.Ignore
  private readonly hasIgnoreRules: boolean
  private readonly exclude: ReadonlySet<string>
  private readonly states = new Map<string, PathState>()
  private readonly matched = new Set<number>()

  constructor(rules: SelectionRules) {
    this.patterns = rules.include?.map((text) => compileInclude(text))
    this.ignored = ignore({ignorecase: false}).add(rules.ignoreText)
    this.hasIgnoreRules = rules.ignoreText.split('\n').some((l) => l.trim() !== '' && !l.trimStart().startsWith('#'))
    this.exclude = new Set(rules.exclude ?? [])
  }

  /** Whether the walk should enter `dir`: something below it may be selected. */
  descend(dir: string): boolean {
    if (this.alwaysExcluded(dir, 'dir')) return false
    if (this.state(dir, true).included) return true
    const patterns = this.patterns
    if (patterns === undefined) return false
    const parts = dir.split('/')
    return patterns.some((p) => {
      const n = Math.min(p.prefix.length, parts.length)
      for (let i = 0; i < n; i++) if (p.prefix[i] !== parts[i]) return false
      return p.prefix.length > parts.length || p.glob
    })
  }

  /** The walked entries → the package's entries. `extra` are paths added besides the tree (--binary). */
  select(walked: readonly SourceEntry[], extra: readonly string[] = []): Selection {
    const chosen = new Map<string, SourceEntry>()
    for (const entry of walked) {
      if (this.alwaysExcluded(entry.path, entry.kind)) continue
      if (!this.state(entry.path, entry.kind === 'dir').included) continue
      checkEntry(entry)
      chosen.set(entry.path, entry)
    }
    for (const p of extra) this.state(p, false)
    for (const entry of [...chosen.values()]) {
      for (let dir = parentOf(entry.path); dir !== ''; dir = parentOf(dir)) {
        if (chosen.has(dir)) break
        chosen.set(dir, {path: dir, kind: 'dir'})
      }
    }
    const warnings = (this.patterns ?? []).flatMap((p, i) =>
      this.matched.has(i) ? [] : [`[copy].include "${p.text}" matches nothing`],
    )
    return {entries: sortEntries([...chosen.values()]), warnings}
  }

  private state(p: string, isDir: boolean): PathState {
    const key = isDir ? `${p}/` : p
    const known = this.states.get(key)
    if (known) return known
    const parentPath = parentOf(p)
    const parent = parentPath === '' ? ROOT : this.state(parentPath, true)
    // Both properties pass down a tree (gitignore cannot re-include below an ignored directory,
    // and an included directory brings all of it), so a parent settles them for its children.
    // Patterns are still tried below a covered parent when one has matched nothing yet (for the
    // warning) or when this path is ignored (an explicit include of it would win).
    const ignored = parent.ignored || (this.hasIgnoreRules && this.ignored.ignores(key))
    let covered = parent.covered || this.patterns === undefined
    let anchor = false
    this.patterns?.forEach((pattern, i) => {
      if (parent.covered && this.matched.has(i) && !(ignored && !parent.override)) return
      if (!pattern.covers(key)) return
      covered = true
      this.matched.add(i)
      if (parentPath === '' || !pattern.covers(`${parentPath}/`)) anchor = true
    })
    const override = parent.override || (anchor && ignored)
    const state = {covered, ignored, override, included: covered && (override || !ignored)}
    // Only directories are asked again (as parents); files are looked at once.
    if (isDir) this.states.set(key, state)
    return state
  }

  private alwaysExcluded(p: string, kind: SourceKind): boolean {
    const base = p.slice(p.lastIndexOf('/') + 1)
    if (base === '.git' || p.startsWith('.git/') || p.includes('/.git/')) return true
    if (this.exclude.has(p)) return true
    if (kind === 'dir') return false
    if (base === SECRET_KEY_NAME || base.endsWith(PACKAGE_EXTENSION) || PACK_TEMP_RE.test(base)) return true
    return !p.includes('/') && (HEAD_ENTRIES as readonly string[]).includes(p)
  }
}

export function selectFiles(
  walked: readonly SourceEntry[],
  rules: SelectionRules,
  extra: readonly string[] = [],
): Selection {
  return new FileSelector(rules).select(walked, extra)
}

/** Archive order: byte order of tar names (directories end in "/"), so a directory precedes its contents. */
export function sortEntries<T extends {readonly path: string; readonly kind: string}>(entries: T[]): T[] {
  const named = entries.map((e) => ({e, key: e.kind === 'dir' ? `${e.path}/` : e.path}))
  named.sort((a, b) => compareBytes(a.key, b.key))
  return named.map((n) => n.e)
}

/** Refuses what a package cannot hold: special files, and symlinks that leave the package. */
function checkEntry(entry: SourceEntry): void {
  if (entry.kind === 'other') {
    throw new NisoError(
      'E_PACK_FILE_TYPE',
      `${entry.path}: is a ${entry.special ?? 'special file'}; a package holds only files, directories and symlinks (add it to .nisoignore)`,
    )
  }
  if (entry.kind === 'symlink') {
    const target = entry.linkTarget ?? ''
    const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(entry.path), target))
    if (target === '' || target.startsWith('/') || resolved === '..' || resolved.startsWith('../')) {
      throw new NisoError(
        'E_PACK_SYMLINK',
        `${entry.path}: symlink to "${target}" points outside the package (only links inside the tree are kept)`,
      )
    }
  }
}

function compileInclude(text: string): IncludePattern {
  let body = text.replace(/^(?:\.\/)+/, '')
  if (body === '' || body === '.' || body === './') body = '**'
  const segments = body.replace(/\/$/, '').split('/')
  const firstGlob = segments.findIndex((s) => GLOB_RE.test(s))
  return {
    text,
    covers: firstGlob === -1 ? literalCovers(body) : globCovers(body),
    prefix: firstGlob === -1 ? segments : segments.slice(0, firstGlob),
    glob: firstGlob !== -1,
  }
}

/** A plain path: itself (a directory only, with a trailing "/"), and everything below it. */
function literalCovers(body: string): (key: string) => boolean {
  const name = body.replace(/\/+$/, '')
  const dirOnly = body.endsWith('/')
  const below = `${name}/`
  return (key) => key.startsWith(below) || (!dirOnly && key === name)
}

/** A glob, with .gitignore semantics anchored at the package root. */
function globCovers(body: string): (key: string) => boolean {
  const escaped = /^[!#]/.test(body) ? `\\${body}` : body
  const matcher = ignore({ignorecase: false}).add(`/${escaped}`)
  return (key) => matcher.ignores(key)
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/')
  return i === -1 ? '' : p.slice(0, i)
}
