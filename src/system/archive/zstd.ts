import zlib from 'node:zlib'

/**
 * zstd through Node's built-in binding (libzstd 1.5.7), streaming, with the frame checksum on
 * (XXH64, as the zstd CLI writes it). One frame per archive: Node's decoder drops any frame that
 * follows the first inside the same input chunk, so a second frame would be silently lost.
 *
 * Compression runs on libzstd's own worker threads, which needs care on Node 24.21: in the
 * default flush mode (ZSTD_e_continue) multithreaded libzstd may return before taking all the
 * input, which Node's stream takes for the end of the stream (ERR_STREAM_PUSH_AFTER_EOF on a 50 MB
 * tar; setting ZSTD_c_jobSize fails the same way). So every write is a ZSTD_e_flush, which
 * libzstd completes fully. A flush waits for its jobs, so each WRITE_CHUNK is cut into 4 MiB
 * jobs (two per worker) to keep both workers busy, and each job sees the whole previous window
 * (overlapLog 9) so the ratio does not suffer. The write boundaries shape the output: callers cut
 * the stream at fixed offsets. The output is the same for 1, 2 or 3 workers, so it does not
 * depend on the machine.
 *
 * Measured on the 41 MB tar of the bench's express app (2 vCPUs, 5 interleaved rounds, medians):
 *   this setup                      148 ms  6,802,968 B
 *   2 workers, default 8 MiB jobs   196 ms  6,776,672 B
 *   single-threaded                 194 ms  6,827,942 B
 *   `zstd -3` 1.5.4 (reference)             6,806,839 B
 */
export const MIN_LEVEL = 1
export const MAX_LEVEL = 19

/** Compressed output is handed over in pieces this big (Node's default, 16 KiB, costs ~40% time). */
const OUTPUT_CHUNK = 1024 * 1024
/** Every write but the last is this big: flush points shape the output bytes. */
export const WRITE_CHUNK = 8 * 1024 * 1024
const WORKERS = 2
const JOB_SIZE = 4 * 1024 * 1024
const OVERLAP_LOG = 9

export function createCompressor(level: number): zlib.ZstdCompress {
  const c = zlib.constants
  const options: zlib.ZstdOptions & {writableHighWaterMark: number} = {
    params: {
      [c.ZSTD_c_compressionLevel]: level,
      [c.ZSTD_c_checksumFlag]: 1,
      [c.ZSTD_c_nbWorkers]: WORKERS,
      [c.ZSTD_c_jobSize]: JOB_SIZE,
      [c.ZSTD_c_overlapLog]: OVERLAP_LOG,
    },
    flush: c.ZSTD_e_flush,
    chunkSize: OUTPUT_CHUNK,
    // One piece may wait while another compresses, so the producer is never what libzstd waits for.
    writableHighWaterMark: 2 * WRITE_CHUNK,
  }
  return zlib.createZstdCompress(options)
}
