import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type TarHeader, encodeHeader} from '../../../dist/system/archive/tar-writer.js'
import {ustarFits, writeUstar} from '../../../dist/system/archive/ustar.js'

describe('ustar header writer', () => {
  it("writes exactly tar-stream's bytes for every entry that fits ustar", () => {
    const names = [
      'a',
      'server.js',
      'dir/',
      `${'d'.repeat(99)}/`,
      'x'.repeat(100),
      `${'p/'.repeat(60)}file.js`,
      `${'q'.repeat(150)}/${'n'.repeat(100)}`,
      'node_modules/@types/node/ts5.6/compatibility/float16array.d.ts',
    ]
    let checked = 0
    for (const name of names) {
      for (const h of [
        {name, type: 'file', mode: 0o644, size: 0, mtime: 0},
        {name, type: 'file', mode: 0o755, size: 8 ** 11 - 1, mtime: 2 ** 31 - 1},
        {name, type: 'directory', mode: 0o755, size: 0, mtime: 1_700_000_000},
        {name, type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkname: `../${'l'.repeat(97)}`},
      ] satisfies TarHeader[]) {
        assert.equal(ustarFits(h), true, name)
        const mine = Buffer.alloc(1024, 0xaa)
        writeUstar(mine, 256, h)
        assert.deepEqual(mine.subarray(256, 768), encodeHeader(h), `${h.type} ${name}`)
        checked++
      }
    }
    assert.equal(checked, names.length * 4)
  })

  it('leaves long, unsplittable and non-ASCII names to the pax path', () => {
    for (const h of [
      {name: 'x'.repeat(101), type: 'file', mode: 0o644, size: 1, mtime: 0},
      {name: `${'y'.repeat(156)}/z`, type: 'file', mode: 0o644, size: 1, mtime: 0},
      {name: 'café.txt', type: 'file', mode: 0o644, size: 1, mtime: 0},
      {name: 'l', type: 'symlink', mode: 0o777, size: 0, mtime: 0, linkname: 't'.repeat(101)},
    ] satisfies TarHeader[]) {
      assert.equal(ustarFits(h), false, h.name)
      assert.equal(encodeHeader(h).length > 512, true, 'tar-stream writes a pax header for it')
    }
  })
})
