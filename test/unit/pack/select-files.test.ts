import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compareBytes} from '../../../dist/core/package/format.js'
import {FileSelector, type SourceEntry, selectFiles} from '../../../dist/core/package/select-files.js'

/** A walked tree from a list of paths: "dir/" for directories, "a -> b" for symlinks. */
function walked(...specs: string[]): SourceEntry[] {
  return specs.map((s) => {
    const link = /^(.*) -> (.*)$/.exec(s)
    if (link) return {path: link[1] as string, kind: 'symlink', linkTarget: link[2] as string}
    return s.endsWith('/') ? {path: s.slice(0, -1), kind: 'dir'} : {path: s, kind: 'file'}
  })
}

const names = (entries: readonly SourceEntry[]): string[] =>
  entries.map((e) => (e.kind === 'dir' ? `${e.path}/` : e.path))

const TREE = walked(
  'server.js',
  'package.json',
  'README.md',
  'debug.log',
  'dist/',
  'dist/app.js',
  'dist/app.js.map',
  'node_modules/',
  'node_modules/a/',
  'node_modules/a/index.js',
  'node_modules/a/npm-debug.log',
  'node_modules/a/node_modules/',
  'node_modules/a/node_modules/b/',
  'node_modules/a/node_modules/b/b.js',
  'src/',
  'src/main.ts',
)

describe('file selection', () => {
  it('without [copy].include takes everything not ignored, in archive order', () => {
    const s = selectFiles(TREE, {ignoreText: 'node_modules/\n*.log\n*.map\n'})
    assert.deepEqual(names(s.entries), [
      'README.md',
      'dist/',
      'dist/app.js',
      'package.json',
      'server.js',
      'src/',
      'src/main.ts',
    ])
    assert.deepEqual(s.warnings, [])
  })

  it('an include naming an ignored directory takes it whole, nested node_modules too', () => {
    const s = selectFiles(TREE, {
      include: ['server.js', 'node_modules/', 'dist/'],
      ignoreText: '# the docs example\nnode_modules/\n*.log\n*.map\n',
    })
    assert.deepEqual(names(s.entries), [
      'dist/',
      'dist/app.js',
      'node_modules/',
      'node_modules/a/',
      'node_modules/a/index.js',
      'node_modules/a/node_modules/',
      'node_modules/a/node_modules/b/',
      'node_modules/a/node_modules/b/b.js',
      'node_modules/a/npm-debug.log',
      'server.js',
    ])
  })

  it('include paths are anchored at the package root; globs follow .gitignore', () => {
    const tree = walked('package.json', 'lib/', 'lib/package.json', 'lib/x.js', 'lib/deep/', 'lib/deep/y.js', 'z.js')
    assert.deepEqual(names(selectFiles(tree, {include: ['package.json'], ignoreText: ''}).entries), ['package.json'])
    assert.deepEqual(names(selectFiles(tree, {include: ['*.js'], ignoreText: ''}).entries), ['z.js'])
    assert.deepEqual(names(selectFiles(tree, {include: ['**/*.js'], ignoreText: ''}).entries), [
      'lib/',
      'lib/deep/',
      'lib/deep/y.js',
      'lib/x.js',
      'z.js',
    ])
    assert.deepEqual(names(selectFiles(tree, {include: ['./lib/deep/'], ignoreText: ''}).entries), [
      'lib/',
      'lib/deep/',
      'lib/deep/y.js',
    ])
  })

  it('a deeper explicit include of an ignored path wins inside a broader one', () => {
    const tree = walked('src/', 'src/a.ts', 'src/gen/', 'src/gen/g.ts')
    const s = selectFiles(tree, {include: ['src/', 'src/gen/'], ignoreText: 'gen/\n'})
    assert.deepEqual(names(s.entries), ['src/', 'src/a.ts', 'src/gen/', 'src/gen/g.ts'])
    const without = selectFiles(tree, {include: ['src/'], ignoreText: 'gen/\n'})
    assert.deepEqual(names(without.entries), ['src/', 'src/a.ts'])
  })

  it('honours .nisoignore negation and is case-sensitive', () => {
    const tree = walked('a.log', 'keep.log', 'B.LOG')
    const s = selectFiles(tree, {ignoreText: '*.log\n!keep.log\n'})
    assert.deepEqual(names(s.entries), ['B.LOG', 'keep.log'])
  })

  it('always leaves out .git, packages, secret keys, head entries and given paths', () => {
    const tree = walked(
      '.git/',
      '.git/config',
      'sub/',
      'sub/.git',
      'old-1.0.0-x86_64.niso',
      '.old-1.0.0-x86_64.niso.4242.tmp',
      'manifest.toml',
      'checksums.sha256',
      'sub/checksums.sha256',
      'keys/',
      'keys/niso-signing.key',
      'keys/other.key',
      'app.js',
    )
    const s = selectFiles(tree, {
      include: ['.git/', 'keys/', 'sub/', 'app.js'],
      ignoreText: '',
      exclude: ['keys/other.key'],
    })
    assert.deepEqual(names(s.entries), ['app.js', 'keys/', 'sub/', 'sub/checksums.sha256'])
  })

  it('warns once per include that matches nothing, unless an added file (--binary) matches it', () => {
    const s = new FileSelector({include: ['bin/', 'config/', 'app.js'], ignoreText: ''}).select(walked('app.js'), [
      'bin/tool',
    ])
    assert.deepEqual(s.warnings, ['[copy].include "config/" matches nothing'])
  })

  it('keeps symlinks that stay inside and refuses ones that leave, by name', () => {
    const ok = selectFiles(walked('lib/', 'lib/a.js', 'bin/', 'bin/run -> ../lib/a.js'), {ignoreText: ''})
    assert.deepEqual(names(ok.entries), ['bin/', 'bin/run', 'lib/', 'lib/a.js'])
    assert.throws(() => selectFiles(walked('bin/', 'bin/x -> ../../etc/passwd'), {ignoreText: ''}), {
      code: 'E_PACK_SYMLINK',
      message: 'bin/x: symlink to "../../etc/passwd" points outside the package (only links inside the tree are kept)',
    })
    assert.throws(() => selectFiles(walked('abs -> /etc/passwd'), {ignoreText: ''}), {code: 'E_PACK_SYMLINK'})
    // An escaping link that is ignored does not matter.
    assert.deepEqual(names(selectFiles(walked('abs -> /etc', 'a'), {ignoreText: 'abs\n'}).entries), ['a'])
  })

  it('refuses sockets, FIFOs and devices that would be packed', () => {
    const fifo: SourceEntry = {path: 'run/ctl', kind: 'other', special: 'FIFO'}
    assert.throws(() => selectFiles([...walked('run/'), fifo], {ignoreText: ''}), {
      code: 'E_PACK_FILE_TYPE',
      message: 'run/ctl: is a FIFO; a package holds only files, directories and symlinks (add it to .nisoignore)',
    })
    assert.deepEqual(names(selectFiles([...walked('run/', 'a'), fifo], {ignoreText: 'run/\n'}).entries), ['a'])
  })

  it('adds the ancestors of selected files and prunes only what cannot be selected', () => {
    const selector = new FileSelector({include: ['a/b/c.txt', 'gen/**/*.ts'], ignoreText: 'x/\n'})
    assert.equal(selector.descend('a'), true)
    assert.equal(selector.descend('a/b'), true)
    assert.equal(selector.descend('a/z'), false)
    assert.equal(selector.descend('other'), false)
    assert.equal(selector.descend('gen'), true)
    assert.equal(selector.descend('gen/deep/er'), true)
    assert.equal(selector.descend('.git'), false)
    assert.deepEqual(names(selector.select(walked('a/', 'a/b/', 'a/b/c.txt')).entries), ['a/', 'a/b/', 'a/b/c.txt'])
    const all = new FileSelector({ignoreText: 'x/\n'})
    assert.equal(all.descend('x'), false)
    assert.equal(all.descend('y'), true)
  })

  it('orders names by their UTF-8 bytes', () => {
    const words = ['a', 'a/b', 'a-b', 'a.b', 'B', 'é', 'z', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}x', '~', '']
    const bytes = [...words].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)))
    assert.deepEqual([...words].sort(compareBytes), bytes)
  })
})
