import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import {Readable} from 'node:stream'
import {describe, it} from 'node:test'
import zlib from 'node:zlib'

import {ZstdFramesDecompress} from '../../../dist/system/archive/zstd-frames.js'

const compress = (data: Buffer, checksum = true): Buffer =>
  zlib.zstdCompressSync(data, {params: {[zlib.constants.ZSTD_c_checksumFlag]: checksum ? 1 : 0}})

/** A skippable frame (magic 0x184D2A5?, little-endian size, then that many bytes). */
function skippable(size: number): Buffer {
  const b = Buffer.alloc(8 + size, 0xab)
  b.writeUInt32LE(0x184d2a53, 0)
  b.writeUInt32LE(size, 4)
  return b
}

/** Feeds `input` in pieces of `piece` bytes; returns everything decompressed. */
async function inflate(input: Buffer, piece = input.length, highWaterMark?: number): Promise<Buffer> {
  const pieces: Buffer[] = []
  for (let at = 0; at < input.length; at += piece) pieces.push(input.subarray(at, at + piece))
  const out: Buffer[] = []
  const frames = Readable.from(pieces).pipe(new ZstdFramesDecompress(highWaterMark))
  for await (const chunk of frames as AsyncIterable<Buffer>) out.push(chunk)
  return Buffer.concat(out)
}

describe('zstd frames', () => {
  const head = Buffer.from('manifest and checksums '.repeat(300))
  const payload = crypto.randomBytes(3 * 1024 * 1024)
  const twoFrames = Buffer.concat([compress(head), compress(Buffer.concat([payload, payload]))])

  it('decodes every frame of a stream, where Node alone keeps only the first', async () => {
    assert.equal(zlib.zstdDecompressSync(twoFrames).length, head.length, 'Node drops the second frame')
    assert.deepEqual(await inflate(twoFrames), Buffer.concat([head, payload, payload]))
  })

  it('finds frame boundaries whatever the chunking', async () => {
    const small = Buffer.concat([compress(Buffer.from('a')), compress(Buffer.from('')), compress(head, false)])
    for (const piece of [1, 2, 3, 5, 7, 64]) {
      assert.deepEqual(await inflate(small, piece), Buffer.concat([Buffer.from('a'), head]), `pieces of ${piece}`)
    }
    assert.deepEqual(await inflate(twoFrames, 65_536), Buffer.concat([head, payload, payload]))
  })

  it('goes on past a frame that decodes to more than its read-ahead', async () => {
    // A package head (checksums of many files) larger than the reader's buffer, then the payload.
    assert.deepEqual(await inflate(twoFrames, 65_536, 1024), Buffer.concat([head, payload, payload]))
  })

  it('skips skippable frames', async () => {
    const input = Buffer.concat([skippable(5), compress(head), skippable(0), compress(Buffer.from('end'))])
    assert.deepEqual(await inflate(input, 3), Buffer.concat([head, Buffer.from('end')]))
  })

  it('refuses bytes that are not a frame, naming their offset', async () => {
    const first = compress(head)
    await assert.rejects(inflate(Buffer.concat([first, Buffer.from('garbage!')])), {
      message: `not a zstd frame at byte ${first.length}`,
    })
  })

  it('refuses a stream that ends inside a frame', async () => {
    await assert.rejects(inflate(twoFrames.subarray(0, twoFrames.length - 10), 4096), /truncated zstd stream/)
  })

  it('passes on a corrupt frame as an error from the decoder', async () => {
    const bad = Buffer.from(twoFrames)
    bad[bad.length - 2] = (bad[bad.length - 2] as number) ^ 0xff
    await assert.rejects(inflate(bad))
  })
})
