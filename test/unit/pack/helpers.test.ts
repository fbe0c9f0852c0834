import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseManifest} from '../../../dist/core/manifest/parse.js'
import {hostArch, manifestWithArch} from '../../../dist/core/package/arch.js'
import {checkManifestFiles} from '../../../dist/core/package/check-files.js'
import {binaryTarget, entrypointFile} from '../../../dist/core/package/entrypoint.js'
import {humanSize} from '../../../dist/core/package/human-size.js'
import {archiveMtime, normalizedMode} from '../../../dist/core/package/reproducible.js'
import {packageNameFrom, renderTemplate} from '../../../dist/core/templates/index.js'

const BASE = '[package]\nname = "api"\nversion = "1.0.0"\n'

describe('pack helpers', () => {
  it('maps the host arch and adds it right after the [package] header', () => {
    assert.equal(hostArch('x64'), 'x86_64')
    assert.equal(hostArch('arm64'), 'aarch64')
    assert.throws(() => hostArch('s390x'), {code: 'E_ARCH', message: /"s390x" is not supported; set \[package\]\.arch/})
    const text = `# top\n[package]  # the package\nname = "api"\nversion = "1.0.0"\n`
    assert.equal(
      manifestWithArch(text, 'aarch64'),
      `# top\n[package]  # the package\narch = "aarch64"\nname = "api"\nversion = "1.0.0"\n`,
    )
    assert.equal(
      parseManifest(manifestWithArch('[package]\r\nname = "a"\r\nversion = "1.0.0"\r\n', 'x86_64')).package.arch,
      'x86_64',
    )
  })

  it('refuses to add the arch when [package] is not a plain table', () => {
    for (const text of [
      'package = {name = "a", version = "1.0.0"}\n',
      'package.name = "a"\npackage.version = "1.0.0"\n',
    ]) {
      assert.throws(() => manifestWithArch(text, 'x86_64'), {
        code: 'E_PACK_ARCH',
        message:
          'manifest.toml: [package] is not a plain "[package]" table, so pack cannot add the arch; set [package].arch (e.g. arch = "x86_64")',
      })
    }
  })

  it('takes mtime from SOURCE_DATE_EPOCH, else 0, and normalises modes', () => {
    assert.equal(archiveMtime(undefined), 0)
    assert.equal(archiveMtime(''), 0)
    assert.equal(archiveMtime('1700000000'), 1_700_000_000)
    for (const bad of ['-1', '1.5', 'yesterday', '99999999999999'])
      assert.throws(() => archiveMtime(bad), {code: 'E_SOURCE_DATE_EPOCH'})
    assert.equal(normalizedMode('file', 0o100600), 0o644)
    assert.equal(normalizedMode('file', 0o100700), 0o755)
    assert.equal(normalizedMode('file', 0o100641), 0o755)
    assert.equal(normalizedMode('dir', 0o40700), 0o755)
  })

  it('prints sizes in decimal units', () => {
    assert.deepEqual([0, 999, 1000, 1_649, 8_212_345, 999_960, 1_100_000_000].map(humanSize), [
      '0 B',
      '999 B',
      '1.0 kB',
      '1.6 kB',
      '8.2 MB',
      '1.0 MB',
      '1.1 GB',
    ])
  })

  it('resolves which package file the entrypoint names', () => {
    const m = (extra: string) => parseManifest(BASE + extra)
    assert.equal(entrypointFile(m('[binary]\nentrypoint = "api"\n')), 'bin/api')
    assert.equal(entrypointFile(m('[binary]\nentrypoint = "./scripts/run.sh"\n')), 'scripts/run.sh')
    assert.equal(entrypointFile(m('[binary]\nentrypoint = "/usr/bin/env"\n')), undefined)
    assert.equal(entrypointFile(m('[runtime]\nuse = "nodejs:20"\n[binary]\nentrypoint = "node"\n')), undefined)
    assert.equal(binaryTarget(m('[binary]\nentrypoint = "api"\n')), 'bin/api')
    assert.throws(() => binaryTarget(m('[runtime]\nuse = "nodejs:20"\n[binary]\nentrypoint = "node"\n')), {
      code: 'E_PACK_BINARY',
      message:
        '--binary: manifest.toml: [binary].entrypoint "node" is the interpreter of [runtime].use, so no package file to put the binary in',
    })
  })

  it('requires the entrypoint and hook scripts to be in the package', () => {
    const m = parseManifest(`${BASE}[binary]\nentrypoint = "api"\n[hooks]\npre_activate = "./scripts/migrate.sh"\n`)
    assert.doesNotThrow(() => checkManifestFiles(m, new Set(['bin/api', 'scripts/migrate.sh'])))
    assert.throws(() => checkManifestFiles(m, new Set(['scripts/migrate.sh'])), {
      code: 'E_PACK_ENTRYPOINT',
      message:
        'manifest.toml: [binary].entrypoint "api": bin/api is not in the package (put it there, list it in [copy].include, or pass --binary PATH)',
    })
    assert.throws(() => checkManifestFiles(m, new Set(['bin/api'])), {
      code: 'E_PACK_HOOK',
      message:
        'manifest.toml: [hooks].pre_activate "./scripts/migrate.sh" is not in the package (check [copy].include and .nisoignore)',
    })
  })

  it('renders templates whose manifests parse, named after the directory', () => {
    assert.equal(packageNameFrom('My App!'), 'my-app')
    assert.equal(packageNameFrom('___'), 'app')
    for (const t of ['node', 'python', 'binary'] as const) {
      const files = renderTemplate(t, 'demo')
      const manifest = parseManifest(files.find((f) => f.path === 'manifest.toml')?.content ?? '')
      assert.equal(manifest.package.name, 'demo')
      assert.equal(manifest.package.arch, undefined)
      assert.ok(files.some((f) => f.path === '.nisoignore'))
    }
    const node = parseManifest(renderTemplate('node', 'demo')[0]?.content ?? '')
    assert.equal(node.runtime?.use, 'nodejs:20')
    assert.deepEqual(node.copy?.include, ['package.json', 'server.js', 'node_modules/'])
    const py = parseManifest(renderTemplate('python', 'demo')[0]?.content ?? '')
    assert.equal(py.runtime?.use, 'python:3.11')
    assert.equal(py.environment?.PYTHONPATH, '/app/vendor')
    assert.equal(entrypointFile(parseManifest(renderTemplate('binary', 'demo')[0]?.content ?? '')), 'bin/demo')
  })
})
