#!/usr/bin/env node
import {enableCompileCache, registerHooks} from 'node:module'

enableCompileCache?.()
// @oclif/core checks its own engines range on import, loading all of semver (47 modules, ~25 ms
// of every start); the launcher already runs the Node 24 this package requires.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
// Every import of @oclif/core (ours, the built-in plugins', installed plugins') gets the one-file
// bundle the build makes (scripts/bundle-oclif.js): one instance, and ~120 fewer modules to load.
const core = new URL('../dist/vendor/oclif-core.cjs', import.meta.url).href
registerHooks({
  resolve: (specifier, context, next) =>
    specifier === '@oclif/core' ? {url: core, format: 'commonjs', shortCircuit: true} : next(specifier, context),
})
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
