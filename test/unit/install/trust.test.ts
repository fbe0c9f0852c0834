import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {decideTrust} from '../../../dist/core/package/trust.js'
import {
  type SecretKey,
  decodePublicKey,
  encodePublicKey,
  generateKeyPair,
  parseSignature,
  signMessage,
} from '../../../dist/core/package/signing.js'
import {errorLines, storeSnapshot, writePackage} from '../../helpers/archive.ts'
import {runNiso} from '../../helpers/cli.ts'

const pubOf = (k: SecretKey, source = 'k.pub') => decodePublicKey(encodePublicKey(k), source)

describe('trust policy (pure)', () => {
  const signer = generateKeyPair()
  const stranger = generateKeyPair()
  const message = Buffer.from('checksums')
  const good = parseSignature(signMessage(signer, message, 'demo 1.0.0'), 's')
  const bad = parseSignature(signMessage(signer, Buffer.from('other'), 'demo 1.0.0'), 's')
  const base = {source: 'p.niso', message}

  const decide = (signature: typeof good | null, keys: SecretKey[], allowUnsigned: boolean) =>
    decideTrust({...base, signature, keys: keys.map((k) => pubOf(k)), allowUnsigned})
  const code = (fn: () => unknown): string => {
    try {
      fn()
      return 'ok'
    } catch (error) {
      return (error as {code: string}).code
    }
  }

  it('follows the matrix: signature state × keys configured × --allow-unsigned', () => {
    const rows: Array<[string, typeof good | null, SecretKey[], boolean, string]> = [
      ['unsigned, no keys', null, [], false, 'unsigned'],
      ['unsigned, keys', null, [signer], false, 'E_UNSIGNED'],
      ['unsigned, keys, allow', null, [signer], true, 'unsigned'],
      ['signed by trusted key', good, [signer], false, 'verified'],
      ['signed by trusted key among others', good, [stranger, signer], false, 'verified'],
      ['signed by unknown key, keys', good, [stranger], false, 'E_UNTRUSTED_KEY'],
      ['signed by unknown key, keys, allow', good, [stranger], true, 'unverified'],
      ['signed, no keys', good, [], false, 'unverified'],
      ['bad signature, trusted key', bad, [signer], false, 'E_BAD_SIGNATURE'],
      ['bad signature, trusted key, allow', bad, [signer], true, 'E_BAD_SIGNATURE'],
    ]
    for (const [label, sig, keys, allow, want] of rows) {
      const got =
        code(() => decide(sig, keys, allow)) === 'ok'
          ? decide(sig, keys, allow).trust
          : code(() => decide(sig, keys, allow))
      assert.equal(got, want, label)
    }
  })

  it('names the archive and the key ids in its messages', () => {
    assert.throws(() => decide(null, [signer], false), {
      message: 'p.niso: package is unsigned and trusted keys are configured',
    })
    assert.throws(() => decide(good, [stranger], false), {
      message: `p.niso: signed by key ${signer.keyId}, which is not a trusted key (${stranger.keyId})`,
    })
    assert.throws(() => decide(bad, [signer], true), {
      message: `p.niso: signature does not verify with key ${signer.keyId} (k.pub)`,
    })
    const d = decide(good, [signer], false)
    assert.equal(d.trust === 'verified' && d.keyId, signer.keyId)
  })
})

describe('install trust (CLI)', () => {
  let work: string
  let root: string
  const signer = generateKeyPair()
  const stranger = generateKeyPair()
  const env = () => ({NISO_ROOT: root})

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-trust-'))
  })
  after(() => fs.rmSync(work, {recursive: true, force: true}))

  const freshRoot = (trusted: SecretKey[]) => {
    root = fs.mkdtempSync(path.join(work, 'root-'))
    const dir = path.join(root, 'etc/niso/trusted-keys')
    fs.mkdirSync(dir, {recursive: true})
    trusted.forEach((k, i) => fs.writeFileSync(path.join(dir, `k${i}.pub`), encodePublicKey(k)))
  }
  const pubFile = (k: SecretKey) => {
    const f = path.join(work, `${k.keyId}.pub`)
    fs.writeFileSync(f, encodePublicKey(k))
    return f
  }

  it('installs a package signed by a key in trusted-keys without a flag, and records the signer', async () => {
    freshRoot([signer])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {sign: signer})
    const r = runNiso(['install', file], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Installed demo 1.0.0\n')
    assert.equal(r.stderr, '')
    const list = JSON.parse(runNiso(['list', '--json'], {env: env()}).stdout) as Array<{
      signedBy: string
      trust: string
    }>
    assert.equal(list[0]?.signedBy, signer.keyId)
    assert.equal(list[0]?.trust, 'verified')
  })

  it('refuses an unsigned package when a key is configured, unless --allow-unsigned', async () => {
    freshRoot([signer])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {})
    const r = runNiso(['install', file], {env: env()})
    assert.equal(r.code, 1)
    assert.deepEqual(errorLines(r.stderr), [
      'niso: demo-1.0.0-x86_64.niso: package is unsigned and trusted keys are configured',
      'hint: pass --allow-unsigned to install it anyway',
    ])
    const ok = runNiso(['install', file, '--allow-unsigned'], {env: env()})
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stderr, 'niso: warning: demo-1.0.0-x86_64.niso: package is unsigned; its origin is not verified\n')
  })

  it('installs an unsigned package with a warning when no key is configured', async () => {
    freshRoot([])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {})
    const r = runNiso(['install', file], {env: env()})
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /warning: demo-1\.0\.0-x86_64\.niso: package is unsigned/)
  })

  it('refuses a package signed by an unknown key, and accepts it with --verify-key', async () => {
    freshRoot([signer])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {sign: stranger})
    const r = runNiso(['install', file], {env: env()})
    assert.equal(r.code, 1)
    assert.equal(
      errorLines(r.stderr)[0],
      `niso: demo-1.0.0-x86_64.niso: signed by key ${stranger.keyId}, which is not a trusted key (${signer.keyId})`,
    )
    const ok = runNiso(['install', file, '--verify-key', pubFile(stranger)], {env: env()})
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stderr, '')
  })

  it('--verify-key alone makes unsigned packages refused', async () => {
    freshRoot([])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {})
    const r = runNiso(['install', file, '--verify-key', pubFile(signer)], {env: env()})
    assert.equal(r.code, 1)
    assert.equal(
      errorLines(r.stderr)[0],
      'niso: demo-1.0.0-x86_64.niso: package is unsigned and trusted keys are configured',
    )
  })

  it('always refuses a signature that does not verify, before extracting any payload', async () => {
    freshRoot([signer])
    const good = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {name: 'good', sign: signer})
    assert.equal(runNiso(['install', good], {env: env()}).code, 0)
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {
      sign: signer,
      // Re-signed over other bytes: the signature no longer matches checksums.sha256.
      entries: (e) =>
        e.map((x) =>
          x.name === 'signature.ed25519' ? {...x, data: signMessage(signer, Buffer.from('tampered'), 'demo 1.0.0')} : x,
        ),
      // A payload that would be refused too: the signature check must come first.
      extra: [{name: '../evil.txt', data: 'x'}],
    })
    const before = storeSnapshot(root)
    for (const extra of [[], ['--allow-unsigned']]) {
      const r = runNiso(['install', file, ...extra], {env: env()})
      assert.equal(r.code, 1)
      assert.equal(
        errorLines(r.stderr)[0],
        `niso: demo-1.0.0-x86_64.niso: signature does not verify with key ${signer.keyId} (${path.join(root, 'etc/niso/trusted-keys/k0.pub')})`,
      )
    }
    assert.deepEqual(storeSnapshot(root), before)
  })

  it('refuses a malformed signature file even without keys', async () => {
    freshRoot([])
    const file = await writePackage(fs.mkdtempSync(path.join(work, 'p-')), {
      sign: signer,
      entries: (e) => e.map((x) => (x.name === 'signature.ed25519' ? {...x, data: 'garbage\n'} : x)),
    })
    const r = runNiso(['install', file, '--allow-unsigned'], {env: env()})
    assert.equal(r.code, 1)
    assert.equal(errorLines(r.stderr)[0], 'niso: demo-1.0.0-x86_64.niso/signature.ed25519: malformed signature file')
  })
})
