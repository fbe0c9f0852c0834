#!/usr/bin/env node
import {Module, createRequire, enableCompileCache, registerHooks} from 'node:module'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {Script} from 'node:vm'

// Not `import fs from 'node:fs'`: an ES import of fs evaluates all its exports, fs.promises among
// them, which loads fs/promises, streams and readline (3-5 ms) that --version never uses.
const fs = process.getBuiltinModule('node:fs')
const bundle = fileURLToPath(new URL('../dist/vendor/oclif-core.cjs', import.meta.url))

/**
 * Makes every import of @oclif/core (ours, the built-in plugins', installed plugins') the one-file
 * bundle the build makes (scripts/bundle-oclif.js): one instance, ~120 fewer modules to load.
 * The bundle is compiled with the V8 code cache the build wrote after running it, which holds
 * the functions a start runs: Node's own compile cache keeps only what is compiled up front.
 * A cache made by another Node or with other V8 flags is rejected by V8, and the bundle compiles
 * as usual. Returns the compiled script (the build makes its cache from it, passing no cache).
 */
export function useOclifBundle(codeCache = `${bundle}.v8`) {
  const script = new Script(wrapCommonJs(fs.readFileSync(bundle, 'utf8')), {
    filename: bundle,
    cachedData: codeCache === null ? undefined : readIfPresent(codeCache),
  })
  const mod = new Module(bundle)
  mod.filename = bundle
  const require = createRequire(bundle)
  script.runInThisContext()(mod.exports, require, mod, bundle, path.dirname(bundle), (specifier) => import(specifier))
  mod.loaded = true
  require.cache[bundle] = mod
  const esm = new URL('../dist/vendor/oclif-core.mjs', import.meta.url).href
  const cjs = pathToFileURL(bundle).href
  // import gets the bundle's ES face (its export names written out), require the bundle itself.
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === '@oclif/core'
        ? {url: context.conditions?.includes('require') ? cjs : esm, shortCircuit: true}
        : next(specifier, context),
  })
  return script
}

/** CommonJS's wrapper, plus the import() the bundle uses (import() itself needs a flag in a vm.Script). */
function wrapCommonJs(source) {
  return `(function (exports, require, module, __filename, __dirname, __nisoImport) {${source}\n})`
}

function readIfPresent(file) {
  try {
    return fs.readFileSync(file)
  } catch {
    return undefined
  }
}

// Not main when scripts/warm-oclif.js imports this file; a Node without import.meta.main runs it.
if (import.meta.main !== false) {
  // A reader that stops early (`niso list | head -1`) ends niso quietly, as it ends other tools.
  process.stdout.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0)
    throw error
  })
  enableCompileCache?.()
  // @oclif/core checks its own engines range on import, loading all of semver (47 modules, ~25 ms
  // of every start); the launcher already runs the Node 24 this package requires.
  process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
  useOclifBundle()
  const {execute} = await import('@oclif/core')
  await execute({dir: import.meta.url})
}
