import zlib from 'node:zlib'

/**
 * zstd through Node's built-in binding (libzstd 1.5.7), streaming, with the frame checksum on
 * (XXH64, as the zstd CLI writes it). One frame per archive: Node's decoder drops any frame that
 * follows the first inside the same input chunk, so a second frame would be silently lost.
 *
 * Multithreaded compression (ZSTD_c_nbWorkers ≥ 1) is NOT used: on Node 24.21 it fails with
 * ERR_STREAM_PUSH_AFTER_EOF on a 50 MB input, and ZSTD_c_jobSize fails the same way on 10 MB.
 */
export const MIN_LEVEL = 1
export const MAX_LEVEL = 19

/** Compressed output is handed over in pieces this big (Node's default, 16 KiB, costs ~40% time). */
const OUTPUT_CHUNK = 512 * 1024

export function createCompressor(level: number): zlib.ZstdCompress {
  const c = zlib.constants
  const options: zlib.ZstdOptions & {writableHighWaterMark: number} = {
    params: {[c.ZSTD_c_compressionLevel]: level, [c.ZSTD_c_checksumFlag]: 1},
    chunkSize: OUTPUT_CHUNK,
    // Lets the producer build tar slabs while earlier ones compress on the thread pool.
    writableHighWaterMark: 16 * 1024 * 1024,
  }
  return zlib.createZstdCompress(options)
}

export function createDecompressor(): zlib.ZstdDecompress {
  return zlib.createZstdDecompress({chunkSize: 256 * 1024})
}
