import {createRequire} from 'node:module'
import v8 from 'node:v8'

import type {SqlJsStatic} from 'sql.js'

/**
 * sql.js, loaded on first use only (its WASM costs ~15 ms to compile), through require: the CJS
 * entry loads several times faster than a dynamic import of the same file.
 */
let loading: Promise<SqlJsStatic> | undefined

/**
 * `ahead`: the caller starts loading long before it queries (install does, while the archive
 * streams). Then every WASM function is compiled now, on V8's background threads, instead of on
 * first call on the main thread: the first transaction of an install took 30–60 ms lazily, about
 * half of that compiled ahead (medians of interleaved runs).
 */
export function loadSqlJs(options: {ahead?: boolean} = {}): Promise<SqlJsStatic> {
  loading ??= (async () => {
    if (options.ahead) v8.setFlagsFromString('--no-wasm-lazy-compilation')
    const require = createRequire(import.meta.url)
    const init = require('sql.js') as (config?: object) => Promise<SqlJsStatic>
    // V8 compiles on its own threads without holding Node's event loop open: a process with
    // nothing else to do would exit mid-compile ("unsettled top-level await") without this timer.
    const keepAlive = setInterval(() => undefined, 60_000)
    try {
      return await init()
    } finally {
      clearInterval(keepAlive)
    }
  })()
  return loading
}

/**
 * Starts loading sql.js without waiting for it, for a command that opens the state soon: the WASM
 * compiles off the main thread while the command goes on. A failure surfaces at first use.
 */
export function preloadSqlJs(options: {ahead?: boolean} = {}): void {
  loadSqlJs(options).catch(() => undefined)
}
