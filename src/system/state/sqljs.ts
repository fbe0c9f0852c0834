import {createRequire} from 'node:module'

import type {SqlJsStatic} from 'sql.js'

/**
 * sql.js, loaded on first use only (its WASM costs ~15 ms to compile), through require: the CJS
 * entry loads several times faster than a dynamic import of the same file.
 */
let loading: Promise<SqlJsStatic> | undefined

export function loadSqlJs(): Promise<SqlJsStatic> {
  loading ??= (async () => {
    const require = createRequire(import.meta.url)
    const init = require('sql.js') as (config?: object) => Promise<SqlJsStatic>
    return init()
  })()
  return loading
}

/**
 * Starts loading sql.js without waiting for it, for a command that opens the state soon: the WASM
 * compiles off the main thread while the command loads its modules. A failure surfaces at first use.
 */
export function preloadSqlJs(): void {
  loadSqlJs().catch(() => undefined)
}
