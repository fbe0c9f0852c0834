import zlib from 'node:zlib'

/**
 * zstd through Node's built-in binding (libzstd 1.5.7), streaming, with the frame checksum on
 * (XXH64, as the zstd CLI writes it).
 *
 * A package is two frames: the head (manifest.toml, checksums.sha256, signature.ed25519), then
 * the payload. The head lists the hash of every payload file, so it can only be made once the
 * payload has been read; as a frame of its own it is compressed last and still written first,
 * which lets pack read each file once, straight into the payload's compressor (pack.ts). The
 * zstd CLI and GNU tar read the frames as one stream; Node's decoder drops any frame after the
 * first in an input chunk, so niso's reader finds the boundaries itself (zstd-frames.ts).
 *
 * The payload is compressed on libzstd's own worker threads while pack reads and hashes the next
 * slab, which needs care on Node 24.21: in the default flush mode (ZSTD_e_continue) multithreaded
 * libzstd may return before taking all the input, which Node's stream takes for the end of the
 * stream (ERR_STREAM_PUSH_AFTER_EOF on a 50 MB tar). So every write is a ZSTD_e_flush, which
 * libzstd completes fully. A flush waits for its jobs, so each WRITE_CHUNK is cut into two jobs,
 * one per worker; each job sees a quarter of the previous window (overlapLog 7), which keeps the
 * ratio within 0.6% of the whole window's for ~10% less CPU. The write boundaries shape the
 * output: callers cut the stream at fixed offsets. The output is the same for 1, 2 or 3 workers,
 * so it does not depend on the machine.
 *
 * Two workers, because the thread that reads and hashes takes most of one core itself: on the
 * bench's express app (41 MB tar, 2 vCPUs) compressing costs about as much CPU as reading and
 * hashing, and a single compressor thread (nbWorkers 0 or 1) is what the pack then waits for.
 */
/**
 * Output (compressed or decoded) is handed over in pieces this big: each piece is a thread-pool
 * round trip, and Node's default, 16 KiB, costs ~40% more time compressing and twice the time
 * decoding.
 */
export const OUTPUT_CHUNK = 1024 * 1024
/** Every write but the last is this big: flush points shape the output bytes. */
export const WRITE_CHUNK = 8 * 1024 * 1024
const WORKERS = 2
const JOB_SIZE = WRITE_CHUNK / 2
const OVERLAP_LOG = 7

export function createCompressor(level: number, workers = WORKERS): zlib.ZstdCompress {
  const c = zlib.constants
  return zlib.createZstdCompress({
    params: {
      [c.ZSTD_c_compressionLevel]: level,
      [c.ZSTD_c_checksumFlag]: 1,
      [c.ZSTD_c_nbWorkers]: workers,
      [c.ZSTD_c_jobSize]: JOB_SIZE,
      [c.ZSTD_c_overlapLog]: OVERLAP_LOG,
    },
    flush: c.ZSTD_e_flush,
    chunkSize: OUTPUT_CHUNK,
  })
}

/** A whole buffer as one frame, on this thread (small inputs: the package head). */
export function compressFrame(bytes: Buffer, level: number): Buffer {
  const c = zlib.constants
  return zlib.zstdCompressSync(bytes, {
    params: {[c.ZSTD_c_compressionLevel]: level, [c.ZSTD_c_checksumFlag]: 1},
  })
}
