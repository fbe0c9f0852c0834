import os from 'node:os'
import {Worker} from 'node:worker_threads'

import {NisoError} from '../../core/errors.js'
import type {PassOneJob} from './hash-blocks.js'

interface HelperMessage {
  readonly done?: boolean
  readonly error?: {code: string; message: string; niso: boolean}
}

/**
 * The second thread of pack's pass 1 (hash-worker.js). Started first thing, so its ~30 ms of
 * start-up overlaps reading the manifest and walking the tree; released unused for small trees.
 */
export class HashHelper {
  private readonly worker: Worker

  private constructor() {
    this.worker = new Worker(new URL('./hash-worker.js', import.meta.url))
    this.worker.unref()
  }

  /** A helper, or none on a single-CPU machine. */
  static start(): HashHelper | undefined {
    return os.availableParallelism() > 1 ? new HashHelper() : undefined
  }

  run(job: PassOneJob): Promise<void> {
    return new Promise((resolve, reject) => {
      this.worker.on('message', (m: HelperMessage) => {
        if (m.done) resolve()
        else if (m.error)
          reject(m.error.niso ? new NisoError(m.error.code, m.error.message) : new Error(m.error.message))
      })
      this.worker.once('error', reject)
      this.worker.once('exit', (code) => reject(new Error(`pack: hash thread exited early (code ${code})`)))
      this.worker.postMessage(job)
    })
  }

  release(): void {
    void this.worker.terminate()
  }
}
