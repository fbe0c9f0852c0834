import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {runNiso} from '../../helpers/cli.ts'

function fixture(): {dir: string; env: NodeJS.ProcessEnv} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-inspect-'))
  fs.mkdirSync(path.join(dir, 'app'))
  fs.writeFileSync(
    path.join(dir, 'app/manifest.toml'),
    `[package]\nname = "shop"\nversion = "2.0.0"\narch = "x86_64"\ndescription = "Shop API"\n[runtime]\nuse = "nodejs:20"\n[binary]\nentrypoint = "node"\nargs = ["main.js"]\n[network]\nports = ["8080:3000"]\n[labels]\nteam = "web"\n`,
  )
  fs.writeFileSync(path.join(dir, 'app/main.js'), 'console.log(1)\n')
  return {dir, env: {NISO_ROOT: path.join(dir, 'root')}}
}

describe('niso inspect', () => {
  it('shows name, version, arch, size, files, signer and the manifest summary', () => {
    const {dir, env} = fixture()
    assert.equal(runNiso(['keygen', '--output', path.join(dir, 'keys')], {env}).code, 0)
    const packed = runNiso(['pack', '--sign', path.join(dir, 'keys/niso-signing.key'), '--output', dir, '--json'], {
      cwd: path.join(dir, 'app'),
      env,
    })
    assert.equal(packed.code, 0, packed.stderr)
    const file = (JSON.parse(packed.stdout) as {path: string; keyId: string}).path
    const keyId = (JSON.parse(packed.stdout) as {keyId: string}).keyId

    const r = runNiso(['inspect', file, '--verify-key', path.join(dir, 'keys/niso-signing.pub')], {env})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Name: {8}shop$/m)
    assert.match(r.stdout, /^Version: {5}2\.0\.0$/m)
    assert.match(r.stdout, /^Arch: {8}x86_64$/m)
    assert.match(r.stdout, /^Files: {7}1$/m)
    assert.match(r.stdout, new RegExp(`^Signature: {3}signed by ${keyId} \\(valid\\)$`, 'm'))
    assert.match(r.stdout, /^Runtime: {5}nodejs:20$/m)
    assert.match(r.stdout, /^Ports: {7}8080:3000$/m)

    const unverified = runNiso(['inspect', file], {env})
    assert.match(unverified.stdout, /not verified: no trusted key with that id/)

    const json = JSON.parse(runNiso(['inspect', file, '--json'], {env}).stdout) as {
      size: number
      summary: {labels: object}
    }
    assert.equal(json.size, fs.statSync(file).size)
    assert.deepEqual(json.summary.labels, {team: 'web'})
  })

  it('refuses a file that is not a package with a one-line error naming it', () => {
    const {dir, env} = fixture()
    const bogus = path.join(dir, 'bogus.niso')
    fs.writeFileSync(bogus, 'hello')
    const r = runNiso(['inspect', bogus], {env})
    assert.equal(r.code, 1)
    assert.equal(r.stderr.trim().split('\n').length, 1)
    assert.match(r.stderr, new RegExp(`^niso: ${bogus.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a niso package`))
    // A missing file: the same one line every time (a second stat of the file once raced the
    // head reader and sometimes surfaced as a raw ENOENT).
    const missing = path.join(dir, 'missing.niso')
    for (let i = 0; i < 5; i++) {
      const gone = runNiso(['inspect', missing], {env})
      assert.equal(gone.code, 1)
      assert.equal(gone.stderr, `niso: ${missing}: no such file\n`)
    }
  })
})
