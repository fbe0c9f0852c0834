import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../../helpers/cli.ts'
import {scratchDirs, writeTree} from '../../helpers/scratch.ts'

const tmp = scratchDirs('niso-pack-')

function tree(manifest: string, files: Record<string, string | Buffer> = {}): string {
  return writeTree(tmp(), {'manifest.toml': manifest, ...files})
}

const HOST_ARCH = process.arch === 'arm64' ? 'aarch64' : 'x86_64'
const APP = `[package]\nname = "app"\nversion = "2.0.0"\n\n[runtime]\nuse = "nodejs:20"\n\n[binary]\nentrypoint = "node"\nargs = ["index.js"]\n`

function tarList(file: string, verbose = false): string[] {
  return execFileSync('tar', ['--zstd', verbose ? '-tvf' : '-tf', file], {encoding: 'utf8'})
    .trim()
    .split('\n')
}

function extract(file: string): string {
  const out = tmp('niso-x-')
  execFileSync('tar', ['--zstd', '-xf', file, '-C', out])
  return out
}

function pack(dir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): {file: string; stdout: string} {
  const r = runNiso(['pack', '--output', dir, ...args], {cwd: dir, env})
  assert.equal(r.code, 0, r.stderr)
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.niso'))
  assert.ok(file, 'no package written')
  return {file: path.join(dir, file), stdout: r.stdout}
}

describe('niso pack (CLI)', () => {
  it('--list prints the sorted file list and writes nothing', () => {
    const dir = tree(`${APP}[copy]\ninclude = ["index.js", "lib/", "missing/"]\n`, {
      'index.js': 'i',
      'lib/b.js': 'b',
      'lib/a.js': 'a',
      'lib/Z.js': 'z',
      'other.js': 'o',
    })
    const r = runNiso(['pack', '--list'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'index.js\nlib/Z.js\nlib/a.js\nlib/b.js\nmanifest.toml\n')
    assert.equal(r.stderr, 'niso: warning: [copy].include "missing/" matches nothing\n')
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes('.niso')),
      [],
    )
    const json = JSON.parse(runNiso(['pack', '--list', '--json'], {cwd: dir}).stdout) as {files: string[]; arch: string}
    assert.deepEqual(json.files, ['index.js', 'lib/Z.js', 'lib/a.js', 'lib/b.js', 'manifest.toml'])
    assert.equal(json.arch, HOST_ARCH)
  })

  it('writes the host arch into the packed manifest, right after [package], and names the file with it', () => {
    const dir = tree(APP, {'index.js': 'i'})
    const {file, stdout} = pack(dir)
    assert.equal(path.basename(file), `app-2.0.0-${HOST_ARCH}.niso`)
    assert.equal(stdout, `./app-2.0.0-${HOST_ARCH}.niso (${fs.statSync(file).size} B)\n`)
    const manifest = fs.readFileSync(path.join(extract(file), 'manifest.toml'), 'utf8')
    assert.equal(manifest, APP.replace('[package]\n', `[package]\narch = "${HOST_ARCH}"\n`))
    assert.equal(fs.readFileSync(path.join(dir, 'manifest.toml'), 'utf8'), APP, 'source manifest untouched')

    const inline = tree('package = {name = "x", version = "1.0.0"}\n')
    const r = runNiso(['pack'], {cwd: inline})
    assert.equal(r.code, 1)
    assert.equal(r.stderr.split('\n').length, 2)
    assert.match(
      r.stderr,
      /^niso: manifest\.toml: \[package\] is not a plain "\[package\]" table.*set \[package\]\.arch/,
    )
  })

  it('stores symlinks inside the tree as symlinks and keeps exec bits, normalising the rest', () => {
    const dir = tree(APP, {'index.js': 'i', 'lib/real.js': 'r', 'run.sh': '#!/bin/sh\n'})
    fs.chmodSync(path.join(dir, 'run.sh'), 0o700)
    fs.chmodSync(path.join(dir, 'index.js'), 0o600)
    fs.symlinkSync('lib/real.js', path.join(dir, 'alias.js'))
    fs.mkdirSync(path.join(dir, 'bin'))
    fs.symlinkSync('../lib/real.js', path.join(dir, 'bin/real'))
    const lines = tarList(pack(dir).file, true)
    const line = (name: string) => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `)) ?? ''
    assert.match(line('bin/real'), /^lrwxrwxrwx 0\/0 +0 1970-01-01 00:00 bin\/real -> \.\.\/lib\/real\.js$/)
    assert.match(line('alias.js'), / alias\.js -> lib\/real\.js$/)
    assert.match(line('run.sh'), /^-rwxr-xr-x 0\/0 /)
    assert.match(line('index.js'), /^-rw-r--r-- 0\/0 /)
    assert.match(line('lib/'), /^drwxr-xr-x 0\/0 /)
    const escaping = tree(APP, {'index.js': 'i'})
    fs.symlinkSync('../outside', path.join(escaping, 'up'))
    const r = runNiso(['pack'], {cwd: escaping})
    assert.equal(r.code, 1)
    assert.equal(
      r.stderr,
      'niso: up: symlink to "../outside" points outside the package (only links inside the tree are kept)\n',
    )
  })

  it('refuses a FIFO in the tree, a missing hook, and --binary with a runtime, writing nothing', () => {
    const fifo = tree(APP, {'index.js': 'i'})
    execFileSync('mkfifo', [path.join(fifo, 'pipe')])
    const r1 = runNiso(['pack'], {cwd: fifo})
    assert.equal(r1.code, 1)
    assert.equal(
      r1.stderr,
      'niso: pipe: is a FIFO; a package holds only files, directories and symlinks (add it to .nisoignore)\n',
    )

    const hook = tree(`${APP}[hooks]\npre_activate = "scripts/migrate.sh"\n`, {'index.js': 'i'})
    const r2 = runNiso(['pack'], {cwd: hook})
    assert.equal(r2.code, 1)
    assert.match(
      r2.stderr,
      /^niso: manifest\.toml: \[hooks\]\.pre_activate "scripts\/migrate\.sh" is not in the package/,
    )
    fs.mkdirSync(path.join(hook, 'scripts'))
    fs.writeFileSync(path.join(hook, 'scripts/migrate.sh'), '#!/bin/sh\n')
    assert.equal(runNiso(['pack', '--list'], {cwd: hook}).code, 0)

    const bin = tree(APP, {'index.js': 'i'})
    const r3 = runNiso(['pack', '--binary', path.join(bin, 'index.js')], {cwd: bin})
    assert.equal(r3.code, 1)
    assert.match(r3.stderr, /^niso: --binary: manifest\.toml: \[binary\]\.entrypoint "node" is the interpreter/)
    for (const d of [fifo, hook, bin])
      assert.deepEqual(
        fs.readdirSync(d).filter((f) => f.includes('.niso')),
        [],
      )
  })

  it('never ships the signing key, even when it lies in the tree under another name', () => {
    const dir = tree(APP, {'index.js': 'i'})
    assert.equal(runNiso(['keygen', '--output', path.join(dir, 'keys')]).code, 0)
    fs.renameSync(path.join(dir, 'keys/niso-signing.key'), path.join(dir, 'keys/release.key'))
    const {file} = pack(dir, ['--sign', path.join(dir, 'keys/release.key')])
    const names = tarList(file)
    assert.deepEqual(names.slice(0, 3), ['manifest.toml', 'checksums.sha256', 'signature.ed25519'])
    assert.ok(!names.includes('keys/release.key'))
    assert.ok(names.includes('keys/niso-signing.pub'))
  })

  it('stores long and non-ASCII names with pax records that GNU tar reads', () => {
    const long = `deep/${'d'.repeat(120)}/${'f'.repeat(110)}.txt`
    const dir = tree(APP, {'index.js': 'i', [long]: 'long', 'café/naïve.txt': 'utf8'})
    fs.symlinkSync(`${'d'.repeat(120)}/${'f'.repeat(110)}.txt`, path.join(dir, 'deep/link-with-a-long-target'))
    const {file} = pack(dir)
    const x = extract(file)
    assert.equal(fs.readFileSync(path.join(x, long), 'utf8'), 'long')
    assert.equal(fs.readFileSync(path.join(x, 'café/naïve.txt'), 'utf8'), 'utf8')
    assert.equal(fs.readFileSync(path.join(x, 'deep/link-with-a-long-target'), 'utf8'), 'long')
    assert.equal(execFileSync('sha256sum', ['--quiet', '-c', 'checksums.sha256'], {cwd: x, encoding: 'utf8'}), '')
  })

  it('packs a tree of thousands of files identically twice, readable by GNU tar and sha256sum', () => {
    const files: Record<string, string> = {'index.js': 'main'}
    for (let i = 0; i < 1500; i++)
      files[`node_modules/p${i % 37}/f${i}.js`] = `module.exports = ${i}\n`.repeat(1 + (i % 50))
    const dir = tree(APP, files)
    const out1 = tmp('niso-out-')
    const out2 = tmp('niso-out-')
    assert.equal(runNiso(['pack', '--output', out1], {cwd: dir}).code, 0)
    assert.equal(runNiso(['pack', '--output', out2], {cwd: dir}).code, 0)
    const name = `app-2.0.0-${HOST_ARCH}.niso`
    const a = fs.readFileSync(path.join(out1, name))
    assert.ok(a.equals(fs.readFileSync(path.join(out2, name))), 'repack differs')
    assert.deepEqual(fs.readdirSync(out1), [name], 'temp files left behind')
    const x = extract(path.join(out1, name))
    const check = execFileSync('sha256sum', ['--quiet', '-c', 'checksums.sha256'], {cwd: x, encoding: 'utf8'})
    assert.equal(check, '')
    const listed = fs.readFileSync(path.join(x, 'checksums.sha256'), 'utf8').trim().split('\n')
    assert.equal(listed.length, 1502)
    const json = JSON.parse(runNiso(['pack', '--output', out1, '--json'], {cwd: dir}).stdout) as {
      files: number
      sha256: string
      size: number
    }
    assert.deepEqual(json, {...json, files: 1501, size: a.length, sha256: crypto.hash('sha256', a)})
  })

  it('packs a file larger than several slabs, hashed across them, the same twice', () => {
    const dir = tree(APP, {'index.js': 'i', 'z/after.txt': 'after'})
    const big = path.join(dir, 'data/big.bin')
    fs.mkdirSync(path.dirname(big))
    fs.writeFileSync(big, crypto.randomBytes(1024 * 1024))
    fs.truncateSync(big, 80 * 1024 * 1024)
    const out1 = tmp('niso-out-')
    const out2 = tmp('niso-out-')
    assert.equal(runNiso(['pack', '--output', out1], {cwd: dir}).code, 0)
    assert.equal(runNiso(['pack', '--output', out2], {cwd: dir}).code, 0)
    const name = `app-2.0.0-${HOST_ARCH}.niso`
    assert.ok(fs.readFileSync(path.join(out1, name)).equals(fs.readFileSync(path.join(out2, name))))
    const x = extract(path.join(out1, name))
    assert.equal(execFileSync('sha256sum', ['--quiet', '-c', 'checksums.sha256'], {cwd: x, encoding: 'utf8'}), '')
    assert.equal(fs.statSync(path.join(x, 'data/big.bin')).size, 80 * 1024 * 1024)
    assert.equal(fs.readFileSync(path.join(x, 'z/after.txt'), 'utf8'), 'after')
  })
})

describe('niso inspect reads only the head', () => {
  it('works on a package whose payload is cut off, the same as on the whole file', () => {
    const dir = tree(APP, {'index.js': 'i', 'data.bin': crypto.randomBytes(4 * 1024 * 1024)})
    const {file} = pack(dir)
    const whole = runNiso(['inspect', file, '--json'])
    assert.equal(whole.code, 0, whole.stderr)
    const cut = path.join(dir, 'cut.niso')
    fs.writeFileSync(cut, fs.readFileSync(file).subarray(0, 1024 * 1024))
    const r = runNiso(['inspect', cut, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const a = JSON.parse(whole.stdout) as Record<string, unknown>
    const b = JSON.parse(r.stdout) as Record<string, unknown>
    assert.deepEqual({...b, file: a.file, size: a.size}, a)
    assert.equal(a.files, 2)
    const small = tree(APP, {'index.js': 'i'})
    const one = JSON.parse(runNiso(['inspect', pack(small).file, '--json']).stdout) as {files: number}
    assert.equal(one.files, 1)
  })
})

describe('niso inspect of a large head', () => {
  it('reads a head bigger than its read-ahead, which ends a frame of its own', () => {
    const files: Record<string, string> = {'index.js': 'i'}
    // 3,000 lines of ~300 bytes: checksums.sha256 several times inspect's 256 KiB read-ahead.
    const long = 'a-rather-long-module-name-'.repeat(8)
    for (let i = 0; i < 3000; i++) files[`node_modules/pkg-${i % 50}/${long}${i}.js`] = `${i}`
    const {file} = pack(tree(APP, files))
    const r = runNiso(['inspect', file, '--json'])
    assert.equal(r.code, 0, r.stderr)
    assert.equal((JSON.parse(r.stdout) as {files: number}).files, 3001)
  })
})

describe('niso init (CLI)', () => {
  it('writes the template into an empty dir so that pack works, and never clobbers', () => {
    const dir = tmp('niso-init-')
    const r = runNiso(['init', '--template', 'python', '--name', 'svc'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(
      r.stdout,
      'Created manifest.toml\nCreated .nisoignore\nCreated app.py\nNext: niso pack   (see what goes in with: niso pack --list)\n',
    )
    const p = runNiso(['pack', '--list'], {cwd: dir})
    assert.equal(p.stdout, 'app.py\nmanifest.toml\n')
    assert.equal(p.stderr, 'niso: warning: [copy].include "vendor/" matches nothing\n')

    const again = runNiso(['init', '--template', 'python'], {cwd: dir})
    assert.equal(again.code, 1)
    assert.equal(again.stderr, 'niso: manifest.toml already exists (use --force to replace it)\n')

    fs.writeFileSync(path.join(dir, 'app.py'), 'mine')
    fs.writeFileSync(path.join(dir, '.nisoignore'), 'custom\n')
    const forced = runNiso(['init', '--template', 'python', '--name', 'svc', '--force'], {cwd: dir})
    assert.equal(forced.code, 0, forced.stderr)
    assert.equal(
      forced.stdout.split('\n').slice(0, 3).join('\n'),
      'Created manifest.toml\nCreated .nisoignore\nKept app.py',
    )
    assert.equal(fs.readFileSync(path.join(dir, 'app.py'), 'utf8'), 'mine')
    assert.notEqual(fs.readFileSync(path.join(dir, '.nisoignore'), 'utf8'), 'custom\n')
  })
})
