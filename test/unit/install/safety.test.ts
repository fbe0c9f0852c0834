import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {
  type PackageSpec,
  errorLines,
  patchTypeflag,
  sha256,
  storeSnapshot,
  writePackage,
} from '../../helpers/archive.ts'
import {runNiso} from '../../helpers/cli.ts'

/**
 * Every install safety rule, each with a crafted archive: the exact one-line error, a non-zero
 * exit, and nothing changed outside the (emptied) staging area: same tree, same DB bytes.
 */
describe('install refuses unsafe archives', () => {
  let work: string
  let root: string
  let outside: string
  const env = () => ({NISO_ROOT: root})

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-safety-'))
    root = path.join(work, 'root')
    outside = path.join(work, 'outside')
    fs.mkdirSync(outside)
    // A store with one package in it, so "unchanged" covers a real DB and real dirs.
    const ok = await writePackage(work, {name: 'base', version: '1.0.0'})
    const r = runNiso(['install', ok], {env: env()})
    assert.equal(r.code, 0, r.stderr)
  })
  after(() => fs.rmSync(work, {recursive: true, force: true}))

  async function refused(spec: PackageSpec, message: string | RegExp, args: string[] = [], fileName?: string) {
    const dir = fs.mkdtempSync(path.join(work, 'case-'))
    const file = await writePackage(dir, spec, fileName)
    const before = storeSnapshot(root)
    const r = runNiso(['install', file, ...args], {env: env()})
    assert.notEqual(r.code, 0, `expected a refusal, got: ${r.stdout}`)
    const lines = errorLines(r.stderr)
    assert.equal(lines.length, 1, r.stderr)
    if (typeof message === 'string') assert.equal(lines[0], `niso: ${path.basename(file)}: ${message}`)
    else assert.match(lines[0] as string, message)
    assert.equal(r.stdout, '')
    assert.deepEqual(storeSnapshot(root), before)
    assert.deepEqual(fs.readdirSync(path.join(root, 'opt/niso/packages/.staging')), [])
    assert.deepEqual(fs.readdirSync(outside), [])
  }

  it('refuses a path with ".."', async () => {
    await refused(
      {extra: [{name: '../outside/evil.txt', data: 'x'}]},
      'entry "../outside/evil.txt": path leaves the package ("..")',
    )
    await refused(
      {extra: [{name: 'app/../../evil.txt', data: 'x'}]},
      'entry "app/../../evil.txt": path leaves the package ("..")',
    )
  })

  it('refuses an absolute path', async () => {
    const abs = path.join(outside, 'abs.txt')
    await refused({extra: [{name: abs, data: 'x'}]}, `entry "${abs}": absolute path`)
  })

  it('refuses a symlink whose target leaves the package', async () => {
    await refused(
      {extra: [{name: 'app/up', type: 'symlink', linkname: '../../outside'}]},
      'entry "app/up": symlink target "../../outside" leaves the package',
    )
    await refused(
      {extra: [{name: 'passwd', type: 'symlink', linkname: '/etc/passwd'}]},
      'entry "passwd": symlink target "/etc/passwd" leaves the package',
    )
  })

  it('refuses a symlink chain that escapes only when followed (a -> s/.. with s -> ..)', async () => {
    await refused(
      {
        extra: [
          {name: 'd/s', type: 'symlink', linkname: '..'},
          {name: 'e', type: 'symlink', linkname: 'd/s/..'},
        ],
      },
      'entry "e": symlink target "d/s/.." leaves the package',
    )
  })

  it('never writes through a symlink it created', async () => {
    await refused(
      {
        files: {'app/main.js': 'x'},
        extra: [{name: 'lnk', type: 'symlink', linkname: 'app'}],
        checksums: (l) => l.set('lnk/planted.js', sha256('evil')),
        entries: (e) => [...e, {name: 'lnk/planted.js', data: 'evil'}],
      },
      'entry "lnk/planted.js": path goes through the symlink "lnk"',
    )
  })

  it('refuses a hardlink whose target leaves the package, or is not a file of it', async () => {
    await refused(
      {extra: [{name: 'hl', type: 'link', linkname: '../../../etc/passwd'}]},
      'entry "hl": hardlink target "../../../etc/passwd" leaves the package',
    )
    await refused(
      {extra: [{name: 'hl', type: 'link', linkname: '/etc/passwd'}]},
      'entry "hl": hardlink target "/etc/passwd" leaves the package',
    )
    await refused(
      {checksums: (l) => l.set('hl', sha256('')), extra: [{name: 'hl', type: 'link', linkname: 'nope.txt'}]},
      'entry "hl": hardlink target "nope.txt" is not a file extracted before it',
    )
  })

  it('refuses device, FIFO, socket and unknown entries', async () => {
    const msg = (n: string, t: string) =>
      `entry "${n}": ${t} entries are not allowed (a package holds files, directories and links)`
    await refused({extra: [{name: 'dev/null', type: 'character-device'}]}, msg('dev/null', 'character-device'))
    await refused({extra: [{name: 'dev/sda', type: 'block-device'}]}, msg('dev/sda', 'block-device'))
    await refused({extra: [{name: 'pipe', type: 'fifo'}]}, msg('pipe', 'fifo'))
    await refused(
      {extra: [{name: 'sock', data: ''}], tar: (t) => patchTypeflag(t, 'sock', 'S')},
      'entry "sock": unsupported entry type (sockets and special files are not allowed)',
    )
  })

  it('refuses a file whose checksum differs', async () => {
    await refused(
      {files: {'README.md': 'real'}, checksums: (l) => l.set('README.md', sha256('claimed'))},
      `entry "README.md": checksum mismatch (checksums.sha256 says ${sha256('claimed').slice(0, 12)}…, content is ${sha256('real').slice(0, 12)}…)`,
    )
  })

  it('refuses a checksum mismatch found by the writer thread (a package of several MB)', async () => {
    await refused(
      {
        files: {'big.bin': crypto.randomBytes(3 * 1024 * 1024), 'small.txt': 'real'},
        checksums: (l) => l.set('small.txt', sha256('claimed')),
      },
      `entry "small.txt": checksum mismatch (checksums.sha256 says ${sha256('claimed').slice(0, 12)}…, content is ${sha256('real').slice(0, 12)}…)`,
    )
  })

  it('refuses a manifest.toml that differs from its checksum', async () => {
    await refused(
      {checksums: (l) => l.set('manifest.toml', sha256('other'))},
      `entry "manifest.toml": checksum mismatch (checksums.sha256 says ${sha256('other').slice(0, 12)}…, content is ${sha256('[package]\nname = "demo"\nversion = "1.0.0"\narch = "x86_64"\n').slice(0, 12)}…)`,
    )
  })

  it('refuses a file present but not listed', async () => {
    await refused({extra: [{name: 'extra.js', data: 'x'}]}, 'entry "extra.js": not listed in checksums.sha256')
  })

  it('refuses a file listed but absent', async () => {
    await refused(
      {checksums: (l) => l.set('ghost.js', sha256('x'))},
      '"ghost.js" is listed in checksums.sha256 but absent',
    )
  })

  it('refuses a duplicate entry', async () => {
    await refused(
      {files: {'README.md': 'a'}, entries: (e) => [...e, {name: 'README.md', data: 'a'}]},
      'entry "README.md": duplicate entry',
    )
    await refused(
      {files: {'README.md': 'a'}, entries: (e) => [...e, {name: 'README.md/', type: 'directory'}]},
      'entry "README.md/": duplicate entry',
    )
    await refused(
      {files: {'lib/x.js': 'x'}, entries: (e) => [...e, {name: 'lib', data: 'x'}]},
      'entry "lib": a directory of the same path came before it',
    )
    await refused(
      {entries: (e) => [...e, {name: 'manifest.toml', data: 'x'}]},
      'entry "manifest.toml": duplicate entry',
    )
  })

  it('refuses head entries out of order', async () => {
    await refused(
      {entries: (e) => [e[1]!, e[0]!, ...e.slice(2)]},
      'first entry is "checksums.sha256", expected manifest.toml',
    )
    await refused(
      {entries: (e) => [e[0]!, ...e.slice(2), e[1]!]},
      'second entry is "app/main.js", expected checksums.sha256',
    )
  })

  it('refuses a manifest whose name or version differs from the file name', async () => {
    await refused(
      {name: 'demo', version: '2.0.0'},
      'manifest.toml says demo 2.0.0 (x86_64), which would be demo-2.0.0-x86_64.niso; refusing a renamed package',
      [],
      'demo-1.0.0-x86_64.niso',
    )
    await refused(
      {name: 'other', version: '1.0.0'},
      'manifest.toml says other 1.0.0 (x86_64), which would be other-1.0.0-x86_64.niso; refusing a renamed package',
      [],
      'demo-1.0.0-x86_64.niso',
    )
  })

  it('refuses an invalid manifest with its field path, and unknown keys', async () => {
    await refused(
      {manifestExtra: 'colour = "blue"\n'},
      /^niso: demo-1\.0\.0-x86_64\.niso\/manifest\.toml: unknown key "package\.colour"$/,
    )
    await refused({manifest: '[package\nname = "demo"\n'}, /^niso: demo-1\.0\.0-x86_64\.niso\/manifest\.toml:1:\d+: /)
  })

  it('refuses a package for another architecture', async () => {
    await refused({arch: 'aarch64'}, 'package is built for aarch64; this machine is x86_64')
  })

  it('refuses an unpacked size over the limit (--max-size), before writing the entry', async () => {
    await refused(
      {files: {'a.bin': Buffer.alloc(600, 1), 'b.bin': Buffer.alloc(600, 2)}},
      'entry "b.bin": unpacked size exceeds the limit of 1 KiB (raise it with --max-size)',
      ['--max-size', '1K'],
    )
  })

  it('stops a zstd bomb while it inflates (compression ratio)', async () => {
    const zeros = Buffer.alloc(96 * 1024 * 1024)
    await refused(
      {files: {'zeros.bin': zeros}, level: 19},
      /^niso: demo-1\.0\.0-x86_64\.niso: entry "zeros\.bin": compression ratio over 200:1 after 1[67](\.\d)? MiB \(a zstd bomb\?\)$/,
    )
  })

  it('refuses a truncated archive', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'case-'))
    const file = await writePackage(dir, {files: {'r.bin': crypto.randomBytes(400_000)}})
    const data = fs.readFileSync(file)
    fs.writeFileSync(file, data.subarray(0, Math.floor(data.length * 0.6)))
    const before = storeSnapshot(root)
    const r = runNiso(['install', file], {env: env()})
    assert.notEqual(r.code, 0)
    assert.match(
      errorLines(r.stderr)[0] ?? '',
      /^niso: demo-1\.0\.0-x86_64\.niso: entry "r\.bin": corrupt or truncated archive \(/,
    )
    assert.deepEqual(storeSnapshot(root), before)
  })

  it('strips setuid/setgid bits with a warning, and installs', async () => {
    const dir = fs.mkdtempSync(path.join(work, 'case-'))
    const file = await writePackage(dir, {
      name: 'suid',
      files: {'bin/tool': '#!/bin/sh\n'},
      entries: (e) => e.map((x) => (x.name === 'bin/tool' ? {...x, mode: 0o6755} : x)),
    })
    const r = runNiso(['install', file], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(
      r.stderr,
      /^niso: warning: suid-1\.0\.0-x86_64\.niso: entry "bin\/tool": setuid\/setgid bits stripped$/m,
    )
    const mode = fs.statSync(path.join(root, 'opt/niso/packages/suid/1.0.0/bin/tool')).mode & 0o7777
    assert.equal(mode, 0o755)
  })
})
