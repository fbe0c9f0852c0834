import {parentPort} from 'node:worker_threads'

import {isNisoError, messageOf} from '../../core/errors.js'
import {type PassOneJob, drainBlocks} from './hash-blocks.js'

/**
 * The helper thread of pack's pass 1: takes blocks like the main thread does, writing into the
 * shared arena and hash table, and reports when it runs out of blocks (or fails).
 */
parentPort?.once('message', (job: PassOneJob) => {
  try {
    drainBlocks(job)
    parentPort?.postMessage({done: true})
  } catch (error) {
    parentPort?.postMessage({
      error: {code: isNisoError(error) ? error.code : 'E_PACK', message: messageOf(error), niso: isNisoError(error)},
    })
  }
})
