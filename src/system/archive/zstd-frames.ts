import {once} from 'node:events'
import {Duplex, finished} from 'node:stream'
import zlib, {type ZstdOptions} from 'node:zlib'

import {OUTPUT_CHUNK} from './zstd.js'

/**
 * Decompresses a zstd stream of any number of frames, in order, as one byte stream.
 *
 * A .niso holds two frames (the head entries, then the payload: pack compresses the payload while
 * it hashes and adds the head last), while other tools write one. Node's decoder (24.21, sync and
 * streaming alike) decodes the first frame of an input chunk and silently drops the rest, or fails
 * on a frame that starts mid-chunk. So the frame boundaries are found here, from the frame and
 * block headers (RFC 8878 §3.1), and each frame goes to a fresh decoder. Skippable frames are
 * skipped; anything that is not a frame is an error naming its byte offset.
 */
const MAGIC = 0xfd2fb528
const SKIPPABLE_MASK = 0xfffffff0
const SKIPPABLE_MAGIC = 0x184d2a50
const MAGIC_BYTES = Buffer.from([0x28, 0xb5, 0x2f, 0xfd])

type Field = 'magic' | 'descriptor' | 'header' | 'block' | 'checksum' | 'skipSize'

/** Where the frames of a compressed stream start and end, fed chunk by chunk. */
export class FrameScanner {
  /** Bytes of the stream consumed so far (error messages give offsets). */
  position = 0
  private field: Field = 'magic'
  /** A fixed-size field, collected across chunks. */
  private readonly pending = Buffer.alloc(16)
  private have = 0
  private need = 4
  /** Bytes to pass through before the next field (block contents, skippable data). */
  private body = 0
  private lastBlock = false
  private checksum = false
  private skippable = false

  /** True between frames: the stream may end here. */
  get atBoundary(): boolean {
    return this.field === 'magic' && this.have === 0 && this.body === 0
  }

  /**
   * The next run of `chunk` from `at`: its length, whether it is zstd data for the current frame's
   * decoder (magic numbers and skippable frames are not), whether a zstd frame begins with it
   * (its magic was just read: the caller starts a decoder and gives it the magic), and whether
   * the frame ends after it.
   */
  take(chunk: Buffer, at: number): {length: number; data: boolean; begins: boolean; ends: boolean} {
    const inMagic = this.field === 'magic' && this.body === 0
    const data = !inMagic && !this.skippable
    let i = at
    let ends = false
    while (i < chunk.length && !ends) {
      if (this.body > 0) {
        const n = Math.min(this.body, chunk.length - i)
        this.body -= n
        i += n
        this.position += n
        ends = this.body === 0 && this.afterBody()
        continue
      }
      const n = Math.min(this.need - this.have, chunk.length - i)
      chunk.copy(this.pending, this.have, i, i + n)
      this.have += n
      i += n
      this.position += n
      if (this.have < this.need) continue
      ends = this.fieldDone()
      // A magic number is a run of its own: what follows it depends on which magic it was.
      if (inMagic) return {length: i - at, data: false, begins: !this.skippable, ends: false}
    }
    return {length: i - at, data, begins: false, ends}
  }

  /** A whole field is in `pending`: decode it and set up the next. True when the frame ends. */
  private fieldDone(): boolean {
    const p = this.pending
    this.have = 0
    switch (this.field) {
      case 'magic': {
        const magic = p.readUInt32LE(0)
        if (magic === MAGIC) return this.expect('descriptor', 1)
        if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
          this.skippable = true
          return this.expect('skipSize', 4)
        }
        throw new Error(`not a zstd frame at byte ${this.position - 4}`)
      }
      case 'descriptor': {
        const d = p[0] as number
        if (d & 0x08) throw new Error(`reserved bit set in the zstd frame header at byte ${this.position - 1}`)
        const single = (d & 0x20) !== 0
        const contentSize = [single ? 1 : 0, 2, 4, 8][d >> 6] as number
        const dictionary = [0, 1, 2, 4][d & 0x03] as number
        this.checksum = (d & 0x04) !== 0
        const rest = (single ? 0 : 1) + dictionary + contentSize
        return rest === 0 ? this.expect('block', 3) : this.expect('header', rest)
      }
      case 'header':
        return this.expect('block', 3)
      case 'block': {
        const h = p.readUIntLE(0, 3)
        const type = (h >> 1) & 0x03
        if (type === 3) throw new Error(`reserved zstd block type at byte ${this.position - 3}`)
        this.lastBlock = (h & 1) !== 0
        this.body = type === 1 ? 1 : h >>> 3
        return this.body === 0 && this.afterBody()
      }
      case 'checksum':
        return this.frameEnd()
      case 'skipSize':
        this.body = p.readUInt32LE(0)
        return this.body === 0 && this.afterBody()
    }
  }

  /** After a block's contents or a skippable frame's data: true when the frame ends here. */
  private afterBody(): boolean {
    if (this.skippable) return this.frameEnd()
    if (!this.lastBlock) return this.expect('block', 3)
    return this.checksum ? this.expect('checksum', 4) : this.frameEnd()
  }

  private frameEnd(): true {
    this.field = 'magic'
    this.need = 4
    this.lastBlock = false
    this.skippable = false
    return true
  }

  private expect(field: Field, need: number): false {
    this.field = field
    this.need = need
    return false
  }
}

/**
 * A Duplex: compressed bytes in, the frames' decompressed bytes out, one decoder per frame. The
 * readable side is deep so the thread pool decompresses ahead of a consumer that parses and writes.
 */
export class ZstdFramesDecompress extends Duplex {
  private readonly scanner = new FrameScanner()
  private decoder: zlib.ZstdDecompress | undefined

  constructor(readableHighWaterMark = 8 * 1024 * 1024) {
    super({readableHighWaterMark})
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.feed(chunk).then(() => callback(), callback)
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.scanner.atBoundary) {
      callback(new Error(`truncated zstd stream (ends inside a frame at byte ${this.scanner.position})`))
      return
    }
    this.push(null)
    callback()
  }

  override _read(): void {
    this.decoder?.resume()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.decoder?.destroy()
    callback(error)
  }

  private async feed(chunk: Buffer): Promise<void> {
    let at = 0
    while (at < chunk.length) {
      const {length, data, begins, ends} = this.scanner.take(chunk, at)
      const piece = chunk.subarray(at, at + length)
      at += length
      if (begins) this.decoder = this.startDecoder()
      const decoder = this.decoder
      if (decoder === undefined) continue
      if (data && length > 0 && !decoder.write(piece)) await once(decoder, 'drain')
      if (ends) {
        decoder.end()
        // Still this.decoder while it drains: a frame that decodes to more than the read-ahead
        // pauses it, and only _read resumes it.
        await new Promise<void>((resolve, reject) => finished(decoder, (error) => (error ? reject(error) : resolve())))
        this.decoder = undefined
      }
    }
  }

  /** A decoder for a frame whose magic number was just read (it gets the magic first). */
  private startDecoder(): zlib.ZstdDecompress {
    const decoder = zlib.createZstdDecompress({chunkSize: OUTPUT_CHUNK} as ZstdOptions)
    decoder.write(MAGIC_BYTES)
    decoder.on('data', (out: Buffer) => {
      if (!this.push(out)) decoder.pause()
    })
    decoder.on('error', (error) => this.destroy(error))
    return decoder
  }
}
