// Rewrites each command (dist/commands/**), the SDK's entry (packages/plugin-sdk/dist/index.js)
// and the built-in plugins' hook files as one file each that holds all of its own code: Node's ES
// module loader spends about half a millisecond per file (resolve, package scope lookups, read,
// compile, link), and a command loaded 50-90 of them. Packages stay imports, so each is loaded
// once and shared (a provider error made by a plugin's SDK must be the host's ProviderError),
// except BUNDLED ones. The other compiled files stay as tsc wrote them, for tests and for worker
// and helper scripts that are started by path.
import fs from 'node:fs'
import path from 'node:path'

import {build} from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')

/**
 * Packages bundled in, each copy holding only what its bundle uses: none has state or classes
 * that code compares across copies. smol-toml and ignore (only the host uses them) spare pack
 * 6 ms; valibot's 200 kB module, of which the SDK and a command use a tenth, 2 ms more.
 */
const BUNDLED = new Set(['ignore', 'smol-toml', 'valibot'])

/**
 * Bundles `entries` (TypeScript sources under `src`) over their compiled files in `dist`. Built
 * from the sources, not from dist, because tsc rewrites only the files whose source changed.
 * import.meta of a bundled module is made to name the module's own compiled file, as if it was
 * not bundled: its code resolves paths next to it (a worker script, sql.js's wasm).
 */
async function bundleInPlace(src, dist, entries) {
  const result = await build({
    entryPoints: entries,
    outbase: src,
    outdir: dist,
    allowOverwrite: true,
    write: false,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    logLevel: 'warning',
    plugins: [externalPackages, compiledImportMeta(src)],
  })
  for (const out of result.outputFiles) {
    const up = path.relative(path.dirname(out.path), dist).split(path.sep).join('/') || '.'
    const header = `import {fileURLToPath as __nisoPath} from 'node:url';\nconst __nisoDist = new URL('${up}/', import.meta.url);\n`
    fs.writeFileSync(out.path, out.text.includes('__nisoDist') ? header + out.text : out.text)
  }
}

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({filter: /^[^./]/}, (args) => {
      const name = args.path.split('/', args.path.startsWith('@') ? 2 : 1).join('/')
      return BUNDLED.has(name) ? undefined : {path: args.path, external: true}
    })
  },
}

/** Rewrites import.meta in a module at src/<rel>.ts to name dist/<rel>.js; other uses are refused. */
function compiledImportMeta(src) {
  return {
    name: 'compiled-import-meta',
    setup(b) {
      b.onLoad({filter: /\.ts$/}, async (args) => {
        const source = await fs.promises.readFile(args.path, 'utf8')
        if (!source.includes('import.meta')) return undefined
        const rel = path.relative(src, args.path).split(path.sep).join('/').replace(/\.ts$/, '.js')
        const file = JSON.stringify(rel)
        const dir = JSON.stringify(path.posix.dirname(rel))
        const contents = source.replace(/\bimport\.meta(?:\.(\w+))?/g, (whole, key) => {
          if (key === 'url') return `new URL(${file}, __nisoDist).href`
          if (key === 'filename') return `__nisoPath(new URL(${file}, __nisoDist))`
          if (key === 'dirname') return `__nisoPath(new URL(${dir}, __nisoDist))`
          throw new Error(`bundle-dist: ${path.relative(root, args.path)}: ${whole} has no equivalent in a bundle`)
        })
        return {contents, loader: 'ts'}
      })
    },
  }
}

const commands = fs
  .readdirSync(path.join(root, 'src/commands'), {recursive: true})
  .filter((f) => f.endsWith('.ts'))
  .map((f) => path.join(root, 'src/commands', f))
await bundleInPlace(path.join(root, 'src'), path.join(root, 'dist'), commands)

const sdk = path.join(root, 'packages/plugin-sdk')
await bundleInPlace(path.join(sdk, 'src'), path.join(sdk, 'dist'), [path.join(sdk, 'src/index.ts')])

// oclif imports a plugin's hook files by the paths in its package.json.
for (const dir of fs.readdirSync(path.join(root, 'plugins'))) {
  const plugin = path.join(root, 'plugins', dir)
  const hooks = JSON.parse(fs.readFileSync(path.join(plugin, 'package.json'), 'utf8')).oclif?.hooks ?? {}
  const entries = Object.values(hooks)
    .flat()
    .map((hook) => (typeof hook === 'string' ? hook : hook.target))
    .map((file) => path.join(plugin, file.replace(/^(\.\/)?dist\//, 'src/').replace(/\.js$/, '.ts')))
  await bundleInPlace(path.join(plugin, 'src'), path.join(plugin, 'dist'), entries)
}
