// Bundles @oclif/core and its dependencies into dist/vendor/oclif-core.cjs, which bin/run.js
// loads in place of the package. One file instead of ~120 modules: every start is spared
// resolving and reading them (25-40 ms of CPU per command, measured on `niso --version`).
// Then writes the ESM face of the bundle (oclif-core.mjs) and the V8 code cache bin/run.js
// compiles it with (oclif-core.cjs.v8, see scripts/warm-oclif.js). V8 checks a code cache against
// its source's length only, so the old cache goes before the bundle is rewritten.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {build} from 'esbuild'

const root = path.resolve(import.meta.dirname, '..')
const outfile = path.join(root, 'dist/vendor/oclif-core.cjs')
const lib = path.join(root, 'node_modules/@oclif/core/lib')

/**
 * Modules oclif requires when it loads but uses only on some paths: help, error rendering, colors,
 * command discovery without a manifest, templates, prompts, Windows shell detection, file flag
 * checks, performance tracing. Required on first use instead.
 */
const LAZY = [
  'clean-stack',
  'cli-spinners',
  'debug',
  'ejs',
  'indent-string',
  'lilconfig',
  'minimatch',
  'node:child_process',
  'node:fs/promises',
  'node:perf_hooks',
  'node:readline',
  'string-width',
  'supports-color',
  'tinyglobby',
  'widest-line',
  'wrap-ansi',
]
const lazyRequire = new RegExp(`= ((?:__importDefault\\()?require\\("(?:${LAZY.join('|')})"\\)\\)?);`, 'g')
const LAZY_HELPER = `function __nisoLazy(load) {
  let m
  return new Proxy({}, {get: (_, key) => (m ??= load())[key], has: (_, key) => key in (m ??= load())})
}
`

/** Edits of oclif's own files: [file under lib/, text, replacement]; each must match exactly once. */
const EDITS = [
  // Core plugins are named exactly in package.json, yet every (dependency, name) pair was matched
  // by building a Minimatch (16 x 7 of them, 5-7 ms): compare names, keep globs for real patterns.
  [
    'config/plugin-loader.js',
    '(0, minimatch_1.minimatch)(p, w)',
    '(/[*?[\\]{}()!+\\\\#]/.test(w) ? (0, minimatch_1.minimatch)(p, w) : p === w)',
  ],
  // package.json and manifest reads: a synchronous read is a few syscalls, an asynchronous one a
  // round trip through the thread pool (which it first starts) per open, stat, read and close.
  ['util/fs.js', "await (0, promises_1.readFile)(path, 'utf8')", "(0, node_fs_1.readFileSync)(path, 'utf8')"],
  // The first localeCompare of a process sets up ICU's collator (6 ms); command ids are ASCII.
  [
    'config/plugin.js',
    '.sort((a, b) => a.id.localeCompare(b.id));',
    '.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));',
  ],
  // A plugin's root: the package in the nearest node_modules, as Node would find it, instead of
  // require.resolve (which also resolves the package's exports: 0.3-2 ms per plugin) and a walk up
  // from the file it names. Plugins found neither way still go through oclif's own search.
  [
    'util/find-root.js',
    'debug(name)(`Finding root using ${root}`);',
    'for (const dir of up(root)) { const pkg = (0, node_path_1.join)(dir, "node_modules", name); if (require("node:fs").existsSync((0, node_path_1.join)(pkg, "package.json"))) return require("node:fs").realpathSync(pkg); }',
  ],
  // Telling WSL from Linux needs only is-wsl, not all of wsl-utils (child_process, net, dgram: 1.5 ms).
  ['util/os.js', "(await import('wsl-utils')).isWsl", "(await import('is-wsl')).default"],
  // debug() loggers print only when DEBUG is set; without it, skip loading debug and its tty setup.
  [
    'logger.js',
    'const debug = (0, debug_1.default)(namespace);',
    'const debug = process.env.DEBUG ? (0, debug_1.default)(namespace) : () => {};',
  ],
]

/**
 * bin/run.js compiles the bundle as a vm.Script (to give it a code cache), where import() works
 * only with an experimental flag; it passes in its own import as __nisoImport instead. Matches
 * import() of a computed specifier: those of a string are bundled.
 */
const dynamicImport = /(?<![.\w$])import\((?=\s*(?:\/\*.*?\*\/\s*)?[\w$(])/g
const IMPORT_HELPER =
  "const __nisoDynamicImport = typeof __nisoImport === 'function' ? __nisoImport : (specifier) => import(specifier);\n"

const applied = new Set()
const patchOclif = {
  name: 'patch-oclif',
  setup(b) {
    b.onLoad({filter: /\.[cm]?js$/}, async (args) => {
      const original = await fs.promises.readFile(args.path, 'utf8')
      let source = original
      const rel = path.relative(lib, args.path).split(path.sep).join('/')
      if (!rel.startsWith('..')) {
        for (const [file, text, replacement] of EDITS.filter(([file]) => file === rel)) {
          if (source.split(text).length !== 2) throw new Error(`bundle-oclif: ${file}: expected one "${text}"`)
          source = source.replace(text, () => replacement)
          applied.add(file)
        }
        const lazy = source.replace(lazyRequire, '= __nisoLazy(() => $1);')
        if (lazy !== source) source = `${LAZY_HELPER}${lazy}`
      }
      const imports = source.replace(dynamicImport, '__nisoDynamicImport(')
      if (imports !== source) source = `${IMPORT_HELPER}${imports}`
      return source === original ? undefined : {contents: source, loader: 'js'}
    })
  },
}

fs.rmSync(`${outfile}.v8`, {force: true})
await build({
  stdin: {contents: "module.exports = require('@oclif/core')", resolveDir: root, loader: 'js'},
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node24',
  outfile,
  // Only loaded to run TypeScript sources in development: never on this path, and 9 MB.
  external: ['typescript'],
  plugins: [patchOclif],
  // A third smaller to read and to check against its code cache at every start (1.5-2 ms); names
  // are kept, so stacks still name oclif's functions.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
})
const unapplied = EDITS.find(([file]) => !applied.has(file))
if (unapplied) throw new Error(`bundle-oclif: ${unapplied[0]} is no longer in the bundle, so its edit was not made`)

// The ESM face: named exports written out, so `import {Command} from '@oclif/core'` needs no
// scan of the bundle for export names at every start.
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1'
const names = Object.keys((await import('../dist/vendor/oclif-core.cjs')).default)
fs.writeFileSync(
  path.join(root, 'dist/vendor/oclif-core.mjs'),
  `import {createRequire} from 'node:module'\n\nconst core = createRequire(import.meta.url)('./oclif-core.cjs')\nexport default core\nexport const {${names.join(', ')}} = core\n`,
)

const warm = spawnSync(process.execPath, [path.join(root, 'scripts/warm-oclif.js')], {
  stdio: ['ignore', 'ignore', 'inherit'],
})
if (warm.status !== 0) throw new Error(`bundle-oclif: scripts/warm-oclif.js failed (${warm.status ?? warm.signal})`)
