// Writes dist/vendor/oclif-core.cjs.v8, the V8 code cache bin/run.js compiles the oclif bundle
// with. V8 puts in a code cache the functions compiled so far, so it is made after running what
// every command runs: config and plugin loading, a command's parse, run and error path, and a
// discovery hook. Run by scripts/bundle-oclif.js with the Node that runs niso: V8 rejects a cache
// made by another.
import fs from 'node:fs'
import path from 'node:path'

import {useOclifBundle} from '../bin/run.js'

const root = path.resolve(import.meta.dirname, '..')
const script = useOclifBundle(null)
const {Config, run} = await import('@oclif/core')

for (const argv of [['--version'], ['inspect', '--json', path.join(root, 'dist/no-such-package.niso')]]) {
  // The second fails by design: the error path is part of what gets cached.
  await run(argv, root).catch(() => {})
}
const config = await Config.load(root)
await config.runHook('niso:runtimes', {}, 10_000, true)

fs.writeFileSync(path.join(root, 'dist/vendor/oclif-core.cjs.v8'), script.createCachedData())
