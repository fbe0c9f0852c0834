import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {isSafeArchivePath, packageFileName, parseChecksums, renderChecksums} from '../../../dist/core/package/format.js'

const A = 'a'.repeat(64)
const B = 'b'.repeat(64)

describe('package format', () => {
  it('names files <name>-<version>-<arch>.niso, flattening scopes', () => {
    assert.equal(packageFileName('my-api', '1.0.0', 'x86_64'), 'my-api-1.0.0-x86_64.niso')
    assert.equal(packageFileName('@acme/api', '2.1.0', 'any'), 'acme-api-2.1.0-any.niso')
  })

  it('renders checksums sorted in byte order and parses them back', () => {
    const text = renderChecksums([
      {path: 'b.txt', sha256: B},
      {path: 'B.txt', sha256: A},
    ])
    assert.equal(text, `${A}  B.txt\n${B}  b.txt\n`)
    assert.deepEqual(
      [...parseChecksums(text)],
      [
        ['B.txt', A],
        ['b.txt', B],
      ],
    )
  })

  it('refuses duplicate, malformed and escaping checksum lines with their line number', () => {
    assert.throws(() => parseChecksums(`${A}  x\n${A}  x\n`), /checksums.sha256:2: "x" is listed twice/)
    assert.throws(() => parseChecksums(`nothex  x\n`), /checksums.sha256:1: not a/)
    assert.throws(() => parseChecksums(`${A}  ../etc/passwd\n`), /unsafe path/)
    assert.throws(() => parseChecksums(`${A}  ok\n${A.toUpperCase()}  x\n`), /checksums.sha256:2: not a/)
    assert.throws(() => parseChecksums(`${A}  ok\n${A}\tx\n`), /checksums.sha256:2: not a/)
    assert.throws(() => parseChecksums(`${A}  ok\n${A}  \n`), /checksums.sha256:2: not a/)
    assert.throws(() => parseChecksums(`${A}  a\rb\n`), /checksums.sha256:1: not a/)
    assert.throws(() => parseChecksums(`${A}  ok\n\n`), /checksums.sha256:2: not a/)
    assert.deepEqual(
      [...parseChecksums(`${A} *bin/x\n${A}  last-without-newline`).keys()],
      ['bin/x', 'last-without-newline'],
    )
  })

  it('accepts only relative paths that stay inside the archive', () => {
    for (const bad of ['', '/', '/abs', '../x', '..', '.', 'a/..', 'a/../../x', 'a//b', 'a//', './a', 'a/./b', 'a\0b'])
      assert.equal(isSafeArchivePath(bad), false, bad)
    for (const good of ['a', 'a/b.txt', 'dir/', '.hidden', 'a..b']) assert.equal(isSafeArchivePath(good), true, good)
  })
})
