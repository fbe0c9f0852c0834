import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import type {TarEntryHeader} from '../../../dist/system/archive/tar-header.js'
import {PAUSE, TarReader} from '../../../dist/system/archive/tar-reader.js'
import {type TarEntry, tarBuffer} from '../../helpers/archive.ts'

interface Seen {
  name: string
  type: string | null
  mode: number
  linkname: string | null
  data: string
}

/** Reads `tar` fed in pieces of `piece` bytes; returns the entries with their data. */
function read(tar: Buffer, piece = tar.length): Seen[] {
  const seen: Seen[] = []
  const reader = new TarReader({
    entry: (h: TarEntryHeader) => {
      const entry: Seen = {name: h.name, type: h.type, mode: h.mode, linkname: h.linkname, data: ''}
      seen.push(entry)
      return {write: (d) => (entry.data += d.toString('latin1')), end: () => undefined}
    },
  })
  for (let at = 0; at < tar.length; at += piece) {
    const chunk = tar.subarray(at, at + piece)
    assert.equal(reader.push(chunk), chunk.length)
  }
  reader.end()
  return seen
}

const longName = `${'deep/'.repeat(40)}file-with-a-long-name.js`
const entries: TarEntry[] = [
  {name: 'a.txt', data: 'hello'},
  {name: 'dir', type: 'directory'},
  {name: 'dir/empty', data: ''},
  {name: longName, data: 'x'.repeat(1500)},
  {name: 'ünïcödé.txt', data: 'u'},
  {name: 'link', type: 'symlink', linkname: `../${'target/'.repeat(30)}t`},
  {name: 'hard', type: 'link', linkname: 'a.txt'},
  {name: 'run.sh', data: '#!/bin/sh\n', mode: 0o755},
]

describe('tar reader', () => {
  it('reads ustar entries with pax records for long and non-ASCII names, in any chunking', async () => {
    const tar = await tarBuffer(entries)
    const whole = read(tar)
    assert.deepEqual(
      whole.map((e) => [e.name, e.type, e.data.length]),
      [
        ['a.txt', 'file', 5],
        ['dir', 'directory', 0],
        ['dir/empty', 'file', 0],
        [longName, 'file', 1500],
        ['ünïcödé.txt', 'file', 1],
        ['link', 'symlink', 0],
        ['hard', 'link', 0],
        ['run.sh', 'file', 10],
      ],
    )
    assert.equal(whole[5]?.linkname, `../${'target/'.repeat(30)}t`)
    assert.equal(whole[7]?.mode, 0o755)
    for (const piece of [1, 7, 511, 512, 513, 4096]) assert.deepEqual(read(tar, piece), whole, `pieces of ${piece}`)
  })

  it('reads what GNU tar writes, long names included', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-tar-'))
    try {
      fs.mkdirSync(path.join(dir, 'src', 'x'.repeat(120)), {recursive: true})
      fs.writeFileSync(path.join(dir, 'src', 'x'.repeat(120), 'y'.repeat(120)), 'gnu')
      fs.symlinkSync('x'.repeat(120), path.join(dir, 'src', 'alias'))
      for (const format of ['gnu', 'posix']) {
        const tar = execFileSync('tar', [`--format=${format}`, '-C', path.join(dir, 'src'), '-cf', '-', '.'])
        const seen = read(tar, 1000)
        const file = seen.find((e) => e.name.endsWith('y'.repeat(120)))
        assert.equal(file?.name, `./${'x'.repeat(120)}/${'y'.repeat(120)}`, format)
        assert.equal(file?.data, 'gnu', format)
        assert.equal(seen.find((e) => e.name === './alias')?.linkname, 'x'.repeat(120), format)
      }
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  it('stops at the end-of-archive block and refuses anything but zeros after it', async () => {
    const tar = await tarBuffer([{name: 'a', data: 'a'}])
    assert.equal(read(Buffer.concat([tar, Buffer.alloc(4096)])).length, 1)
    const hidden = await tarBuffer([{name: 'hidden', data: 'h'}])
    assert.throws(() => read(Buffer.concat([tar, hidden])), /data after the end of the archive/)
  })

  it('refuses a bad header checksum and an archive cut inside an entry', async () => {
    const tar = await tarBuffer([{name: 'a', data: 'a'.repeat(2000)}])
    const bad = Buffer.from(tar)
    bad[0] = 0x62
    assert.throws(() => read(bad), /bad checksum/)
    assert.throws(() => read(tar.subarray(0, 1024)), /truncated archive/)
  })

  it('holds an entry when the visitor pauses, and hands it over again on resume', async () => {
    const tar = await tarBuffer([
      {name: 'first', data: '1'},
      {name: 'second', data: '2'},
    ])
    const names: string[] = []
    let pauseAt: string | undefined = 'second'
    const reader = new TarReader({
      entry: (h) => {
        if (h.name === pauseAt) return PAUSE
        names.push(h.name)
        return {write: () => undefined, end: () => undefined}
      },
    })
    const used = reader.push(tar)
    assert.ok(reader.paused)
    assert.ok(used < tar.length)
    assert.deepEqual(names, ['first'])
    pauseAt = undefined
    reader.resume()
    assert.equal(reader.push(tar.subarray(used)), tar.length - used)
    reader.end()
    assert.deepEqual(names, ['first', 'second'])
  })
})
