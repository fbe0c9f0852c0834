#!/usr/bin/env node
import {enableCompileCache} from 'node:module'

enableCompileCache?.()
// @oclif/core checks its own engines range on import, loading all of semver (47 modules, ~25 ms
// of every start); the launcher already runs the Node 24 this package requires.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1'
const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
