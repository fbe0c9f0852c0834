import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {
  decodePublicKey,
  decodeSecretKey,
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
  parseSignature,
  signMessage,
  verifySignature,
} from '../../../dist/core/package/signing.js'

describe('signing', () => {
  it('round-trips keys through their files and verifies what it signs', () => {
    const key = generateKeyPair()
    assert.match(key.keyId, /^[0-9a-f]{16}$/)
    const secret = decodeSecretKey(encodeSecretKey(key), 'k')
    const pub = decodePublicKey(encodePublicKey(key), 'p')
    assert.equal(pub.keyId, key.keyId)
    const msg = Buffer.from('checksums')
    const sig = parseSignature(signMessage(secret, msg, 'niso app 1.0.0'), 's')
    assert.equal(sig.keyId, key.keyId)
    assert.equal(verifySignature(sig, msg, pub), true)
    assert.equal(verifySignature(sig, Buffer.from('checksumz'), pub), false)
    const other = decodePublicKey(encodePublicKey(generateKeyPair()), 'o')
    assert.equal(verifySignature(sig, msg, other), false)
  })

  it('rejects files that are not keys, naming the file', () => {
    assert.throws(() => decodePublicKey('hello\n', '/tmp/x.pub'), /\/tmp\/x.pub: not a niso public key/)
    const key = generateKeyPair()
    assert.throws(() => decodeSecretKey(encodePublicKey(key), 'k.key'), /k.key: not a niso secret key/)
  })
})
