import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, describe, it} from 'node:test'

import {runNiso} from '../../helpers/cli.ts'

const made: string[] = []
/** A temp dir removed when the file's tests end. */
function tmpdir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}
after(() => {
  for (const dir of made) fs.rmSync(dir, {recursive: true, force: true})
})

function tree(files: Record<string, string>, manifest: string): string {
  const dir = tmpdir('niso-pack-')
  fs.writeFileSync(path.join(dir, 'manifest.toml'), manifest)
  for (const [name, content] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), {recursive: true})
    fs.writeFileSync(path.join(dir, name), content)
  }
  return dir
}

const MANIFEST = `[package]\nname = "web"\nversion = "1.2.3"\narch = "x86_64"\n[runtime]\nuse = "nodejs:20"\n[binary]\nentrypoint = "node"\nargs = ["server.js"]\n`

/** Entry names of a .niso in archive order, via GNU tar (interop check). */
function entries(file: string): string[] {
  return execFileSync('tar', ['--zstd', '-tf', file], {encoding: 'utf8'}).trim().split('\n')
}

describe('niso pack', () => {
  it('writes <name>-<version>-<arch>.niso with manifest, checksums, signature first, then the payload sorted', () => {
    const dir = tree({'server.js': 'x', 'lib/a.js': 'a', 'lib/b.js': 'b'}, MANIFEST)
    assert.equal(runNiso(['keygen', '--output', path.join(dir, 'keys')]).code, 0)
    fs.writeFileSync(path.join(dir, '.nisoignore'), 'keys/\n')
    const r = runNiso(['pack', '--sign', path.join(dir, 'keys/niso-signing.key'), '--output', dir], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    const file = path.join(dir, 'web-1.2.3-x86_64.niso')
    assert.equal(r.stdout, `./web-1.2.3-x86_64.niso (${humanBytes(fs.statSync(file).size)})\n`)
    assert.deepEqual(entries(file).slice(0, 3), ['manifest.toml', 'checksums.sha256', 'signature.ed25519'])
    assert.deepEqual(
      entries(file)
        .slice(3)
        .filter((e) => !e.endsWith('/')),
      ['.nisoignore', 'lib/a.js', 'lib/b.js', 'server.js'],
    )
  })

  it('is byte-identical when packed twice, and honours SOURCE_DATE_EPOCH', () => {
    const dir = tree({'server.js': 'console.log(1)\n', 'x/y.txt': 'y'}, MANIFEST)
    const outs = tmpdir('niso-pack-out-')
    const out = (sub: string, env: NodeJS.ProcessEnv = {}) => {
      fs.mkdirSync(path.join(outs, sub))
      const r = runNiso(['pack', '--output', path.join(outs, sub)], {cwd: dir, env})
      assert.equal(r.code, 0, r.stderr)
      return fs.readFileSync(path.join(outs, sub, 'web-1.2.3-x86_64.niso'))
    }
    const a = out('a')
    fs.utimesSync(path.join(dir, 'server.js'), new Date(), new Date(Date.now() - 86_400_000))
    assert.ok(a.equals(out('b')), 'repack differs')
    const c = out('c', {SOURCE_DATE_EPOCH: '1700000000'})
    assert.ok(!a.equals(c))
    const listing = execFileSync(
      'tar',
      ['--zstd', '--full-time', '-tvf', path.join(outs, 'c', 'web-1.2.3-x86_64.niso')],
      {encoding: 'utf8'},
    )
    assert.match(listing, /2023-11-14 22:13:20 manifest\.toml/)
  })

  it('interoperates with GNU tar and sha256sum -c', () => {
    const dir = tree({'server.js': 'hello', 'data/blob.bin': 'z'.repeat(100_000)}, MANIFEST)
    assert.equal(runNiso(['pack', '--output', dir], {cwd: dir}).code, 0)
    const x = tmpdir('niso-x-')
    execFileSync('tar', ['--zstd', '-xf', path.join(dir, 'web-1.2.3-x86_64.niso'), '-C', x])
    const check = execFileSync('sha256sum', ['-c', 'checksums.sha256'], {cwd: x, encoding: 'utf8'})
    assert.match(check, /^manifest\.toml: OK$/m)
    assert.match(check, /^data\/blob\.bin: OK$/m)
  })

  it('selects with [copy].include, excludes with .nisoignore, and an explicit include wins', () => {
    const manifest = `${MANIFEST}[copy]\ninclude = ["server.js", "node_modules/", "dist/"]\n`
    const dir = tree(
      {
        'server.js': 's',
        'node_modules/x/index.js': 'x',
        'dist/a.js': 'a',
        'dist/a.js.map': 'm',
        'README.md': 'r',
        'debug.log': 'l',
      },
      manifest,
    )
    fs.writeFileSync(path.join(dir, '.nisoignore'), 'node_modules/\n*.map\n*.log\n')
    const r = runNiso(['pack', '--list'], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    const files = r.stdout.trim().split('\n')
    assert.ok(files.includes('node_modules/x/index.js'), 'explicit include of an ignored dir')
    assert.ok(files.includes('dist/a.js'))
    assert.ok(!files.includes('dist/a.js.map'), '.nisoignore inside an included dir')
    assert.ok(!files.includes('README.md'), 'not included')
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.niso')),
      [],
      '--list wrote a package',
    )
  })

  it('--binary puts the file at bin/<entrypoint> with mode 0755', () => {
    const dir = tree(
      {},
      `[package]\nname = "tool"\nversion = "0.1.0"\narch = "x86_64"\n[binary]\nentrypoint = "tool"\n`,
    )
    fs.writeFileSync(path.join(dir, 'built'), '#!/bin/sh\necho hi\n', {mode: 0o644})
    const r = runNiso(['pack', '--binary', path.join(dir, 'built'), '--output', dir], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    const listing = execFileSync('tar', ['--zstd', '-tvf', path.join(dir, 'tool-0.1.0-x86_64.niso')], {
      encoding: 'utf8',
    })
    assert.match(listing, /^-rwxr-xr-x 0\/0 .* bin\/tool$/m)
  })

  it('refuses what cannot be packed, with one line naming the file or field', () => {
    const escaping = tree({'server.js': 's'}, MANIFEST)
    fs.symlinkSync('/etc/passwd', path.join(escaping, 'leak'))
    const r1 = runNiso(['pack', '--output', escaping], {cwd: escaping})
    assert.equal(r1.code, 1)
    assert.match(r1.stderr, /^niso: leak: .*(outside|escapes|leaves)/m)

    const noEntry = tree({}, `[package]\nname = "tool"\nversion = "0.1.0"\n[binary]\nentrypoint = "tool"\n`)
    const r2 = runNiso(['pack'], {cwd: noEntry})
    assert.equal(r2.code, 1)
    assert.match(r2.stderr, /binary\.entrypoint|bin\/tool/)

    const badToml = tree({}, `[package\nname = "x"\n`)
    const r3 = runNiso(['pack'], {cwd: badToml})
    assert.equal(r3.code, 1)
    assert.match(r3.stderr, /^niso: .*manifest\.toml:1:\d+: /m)
    for (const d of [escaping, noEntry, badToml])
      assert.deepEqual(
        fs.readdirSync(d).filter((f) => f.includes('.niso')),
        [],
      )
  })
})

describe('niso keygen', () => {
  it('writes a 0600 secret key and a 0644 public key, prints both paths and the key id, and never overwrites', () => {
    const dir = tmpdir('niso-keys-')
    const r = runNiso(['keygen', '--output', dir])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(fs.statSync(path.join(dir, 'niso-signing.key')).mode & 0o777, 0o600)
    assert.equal(fs.statSync(path.join(dir, 'niso-signing.pub')).mode & 0o777, 0o644)
    assert.match(r.stdout, new RegExp(`Created ${dir}/niso-signing.key \\(private\\)`))
    assert.match(r.stdout, new RegExp(`Created ${dir}/niso-signing.pub \\(public\\)`))
    assert.match(r.stdout, /Key id: [0-9a-f]{16}/)
    const before = fs.readFileSync(path.join(dir, 'niso-signing.key'))
    const again = runNiso(['keygen', '--output', dir])
    assert.equal(again.code, 1)
    assert.ok(fs.readFileSync(path.join(dir, 'niso-signing.key')).equals(before))
  })
})

describe('niso init', () => {
  for (const template of ['node', 'python', 'binary']) {
    it(`--template ${template} writes a manifest that packs as is`, () => {
      const dir = tmpdir(`niso-init-${template}-`)
      const r = runNiso(['init', '--template', template, '--name', 'demo'], {cwd: dir})
      assert.equal(r.code, 0, r.stderr)
      assert.ok(fs.existsSync(path.join(dir, 'manifest.toml')))
      assert.ok(fs.existsSync(path.join(dir, '.nisoignore')))
      const args = template === 'binary' ? ['--binary', '/bin/true'] : []
      const p = runNiso(['pack', ...args, '--output', dir], {cwd: dir})
      assert.equal(p.code, 0, p.stderr)
      assert.match(p.stdout, /demo-0\.1\.0-\w+\.niso/)
    })
  }
})

function humanBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB']
  let v = n
  let i = 0
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000
    i++
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`
}
