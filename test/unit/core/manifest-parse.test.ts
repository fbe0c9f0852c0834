import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseManifest} from '../../../dist/core/manifest/parse.js'

const ok = `[package]\nname = "my-api"\nversion = "1.0.0"\n`

describe('parseManifest', () => {
  it('accepts a minimal manifest and fills defaults', () => {
    const m = parseManifest(`${ok}[binary]\nentrypoint = "my-api"\n`)
    assert.equal(m.package.name, 'my-api')
    assert.deepEqual(m.binary, {entrypoint: 'my-api', args: [], working_dir: '/app'})
  })

  it('names file:line:column on malformed TOML', () => {
    assert.throws(
      () => parseManifest(`${ok}[binary\n`, 'app/manifest.toml'),
      (e: Error) => {
        assert.match(e.message, /^app\/manifest.toml:4:\d+: /)
        return true
      },
    )
  })

  it('names an unknown key by its path', () => {
    assert.throws(
      () => parseManifest(`${ok}[service]\nrestrat = "always"\n`),
      /manifest.toml: unknown key "service.restrat"/,
    )
  })

  it('names the field and what was expected', () => {
    assert.throws(
      () => parseManifest(`${ok}[isolation.resources]\nmemory_max = "lots"\n`),
      /isolation.resources.memory_max: must be a size like "512M" or "2G" \(got "lots"\)/,
    )
    assert.throws(() => parseManifest(`[package]\nname = "x"\n`), /package.version: is required/)
    assert.throws(() => parseManifest(`${ok}`.replace('1.0.0', 'one')), /package.version: must be a semantic version/)
  })

  it('refuses prototype-polluting keys', () => {
    assert.throws(() => parseManifest(`${ok}[labels]\n__proto__ = "x"\n`), /manifest.toml/)
  })
})
