import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'

import {readPublicKey, readSecretKey, readTrustedKeys, writeKeyPair} from '../../../dist/system/keys.js'
import {runNiso} from '../../helpers/cli.ts'
import {scratchDirs} from '../../helpers/scratch.ts'

const tmp = scratchDirs('niso-keys-')

describe('niso keygen', () => {
  it('prints exactly the two created paths and the key id, with modes 0600 and 0644', () => {
    const root = tmp()
    const r = runNiso(['keygen', '--output', 'keys'], {cwd: root, env: {NISO_ROOT: root}})
    assert.equal(r.code, 0, r.stderr)
    const pub = fs.readFileSync(path.join(root, 'keys/niso-signing.pub'), 'utf8')
    const keyId = /niso public key ([0-9a-f]{16})/.exec(pub)?.[1] ?? 'missing'
    assert.equal(
      r.stdout,
      `Created keys/niso-signing.key (private)\nCreated keys/niso-signing.pub (public)\nKey id: ${keyId}\n`,
    )
    assert.equal(r.stderr, '')
    assert.equal(fs.statSync(path.join(root, 'keys/niso-signing.key')).mode & 0o777, 0o600)
    assert.equal(fs.statSync(path.join(root, 'keys/niso-signing.pub')).mode & 0o777, 0o644)
    assert.deepEqual(fs.readdirSync(path.join(root, 'keys')).sort(), ['niso-signing.key', 'niso-signing.pub'])
  })

  it('refuses to replace an existing key, naming it, unless --force', () => {
    const root = tmp()
    assert.equal(runNiso(['keygen', '--output', root]).code, 0)
    const secret = fs.readFileSync(path.join(root, 'niso-signing.key'))
    const again = runNiso(['keygen', '--output', root])
    assert.equal(again.code, 1)
    assert.equal(again.stdout, '')
    assert.equal(again.stderr, `niso: ${root}/niso-signing.key already exists (use --force to replace it)\n`)
    assert.ok(fs.readFileSync(path.join(root, 'niso-signing.key')).equals(secret))
    assert.deepEqual(fs.readdirSync(root).sort(), ['niso-signing.key', 'niso-signing.pub'], 'no temp file left')

    const forced = runNiso(['keygen', '--output', root, '--force', '--json'])
    assert.equal(forced.code, 0, forced.stderr)
    const out = JSON.parse(forced.stdout) as {keyId: string; secretKey: string; publicKey: string}
    assert.equal(out.secretKey, path.join(root, 'niso-signing.key'))
    assert.ok(!fs.readFileSync(out.secretKey).equals(secret))
    assert.equal(fs.statSync(out.secretKey).mode & 0o777, 0o600)
  })

  it('refuses when only the public half exists too', () => {
    const root = tmp()
    fs.writeFileSync(path.join(root, 'niso-signing.pub'), 'x')
    const r = runNiso(['keygen', '--output', root])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /niso-signing\.pub already exists/)
    assert.equal(fs.existsSync(path.join(root, 'niso-signing.key')), false)
  })
})

describe('key files', () => {
  it('reads back what keygen wrote, with matching key ids', async () => {
    const root = tmp()
    const written = await writeKeyPair(root)
    const secret = await readSecretKey(written.secretPath)
    const pub = await readPublicKey(written.publicPath)
    assert.equal(secret.keyId, written.keyId)
    assert.equal(pub.keyId, written.keyId)
    assert.equal(pub.source, written.publicPath)
  })

  it('reads every *.pub of the trusted-keys dir in name order, and none when it is absent', async () => {
    const root = tmp()
    const a = await writeKeyPair(path.join(root, 'a'))
    const b = await writeKeyPair(path.join(root, 'b'))
    const trusted = path.join(root, 'etc/niso/trusted-keys')
    fs.mkdirSync(trusted, {recursive: true})
    fs.copyFileSync(b.publicPath, path.join(trusted, '1-b.pub'))
    fs.copyFileSync(a.publicPath, path.join(trusted, '2-a.pub'))
    fs.writeFileSync(path.join(trusted, 'README'), 'not a key')
    const keys = await readTrustedKeys(trusted)
    assert.deepEqual(
      keys.map((k) => k.keyId),
      [b.keyId, a.keyId],
    )
    assert.deepEqual(await readTrustedKeys(path.join(root, 'missing')), [])
  })

  it('fails with one line naming the file for a missing or malformed key', async () => {
    const root = tmp()
    await assert.rejects(readPublicKey(path.join(root, 'nope.pub')), {
      code: 'E_KEY',
      message: `${path.join(root, 'nope.pub')}: no such key file`,
    })
    fs.writeFileSync(path.join(root, 'bad.pub'), 'untrusted comment: x\nAAAA\n')
    await assert.rejects(readPublicKey(path.join(root, 'bad.pub')), {
      code: 'E_KEY',
      message: /bad\.pub: not a niso public key/,
    })
    const pair = await writeKeyPair(path.join(root, 'k'))
    await assert.rejects(readSecretKey(pair.publicPath), {code: 'E_KEY', message: /not a niso secret key/})
  })
})
