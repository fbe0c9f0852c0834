import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {fakeProbe} from '@niso/plugin-sdk/testing'
import {presets} from '@niso/plugin-isolation-presets'
import {runtimes} from '@niso/plugin-runtime-nodejs'

import {planActivation} from '../../dist/core/activation/plan-activation.js'
import {parseManifest} from '../../dist/core/manifest/parse.js'
import {nisoPaths} from '../../dist/core/paths.js'

/**
 * Unit generation goldens: test/golden/units/<case>/manifest.toml → expected.service (byte-exact)
 * or expected.error (the exact one-line message). UPDATE_GOLDEN=1 rewrites them. Every generated
 * unit must also stay within its preset's `systemd-analyze security` exposure budget.
 */
const CASES = path.join(import.meta.dirname, 'units')
const update = process.env.UPDATE_GOLDEN === '1'
const paths = nisoPaths('/')

const cases = fs
  .readdirSync(CASES, {withFileTypes: true})
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort()

async function render(manifestText: string): Promise<{text: string; preset: string}> {
  const manifest = parseManifest(manifestText)
  const plan = await planActivation({
    manifest,
    packageDir: `/opt/niso/packages/${manifest.package.name}/${manifest.package.version}`,
    paths,
    host: {
      arch: 'x86_64',
      paths: {root: '/', runtimes: paths.runtimes, packages: paths.packages},
      probe: fakeProbe(paths.runtimes, {runtimes: [{id: 'nodejs', version: '20.20.2', binary: 'bin/node'}]}),
    },
    presets: presets.map((provider) => ({provider, plugin: '@niso/plugin-isolation-presets@TEST'})),
    runtimes: runtimes.map((provider) => ({provider, plugin: '@niso/plugin-runtime-nodejs@TEST'})),
    healthGate: {node: '/usr/lib/niso-host/node', script: '/usr/lib/niso-host/wait-healthy.js'},
    nisoCommand: ['/usr/bin/niso'],
    nisoEnv: {},
    nisoVersion: 'TEST',
  })
  return {text: plan.unitText, preset: plan.preset}
}

function loosens(manifestText: string): boolean {
  const sec = parseManifest(manifestText).isolation?.security
  return Boolean(sec?.capabilities_add?.length || sec?.relax?.length || sec?.no_new_privileges === false)
}

function exposure(unitText: string): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-golden-'))
  try {
    const file = path.join(dir, 'niso-golden.service')
    fs.writeFileSync(file, unitText)
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', file], {encoding: 'utf8'})
    assert.doesNotMatch(
      r.stderr,
      /Unknown (key|section)|Failed to parse/,
      `systemd rejects part of the unit:\n${r.stderr}`,
    )
    const m = /Overall exposure level for [^:]+: (\d+\.\d+)/.exec(r.stdout)
    assert.ok(m, `no exposure score from systemd-analyze:\n${r.stdout}\n${r.stderr}`)
    return Number(m[1])
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

describe('unit generation goldens', () => {
  it('has cases, each with exactly one expectation, and no two with the same input', () => {
    assert.ok(cases.length > 0, 'no golden cases found')
    const inputs = new Map<string, string>()
    for (const c of cases) {
      const dir = path.join(CASES, c)
      const expectations = ['expected.service', 'expected.error'].filter((f) => fs.existsSync(path.join(dir, f)))
      if (!update) assert.equal(expectations.length, 1, `${c}: needs exactly one of expected.service / expected.error`)
      const input = fs.readFileSync(path.join(dir, 'manifest.toml'), 'utf8')
      assert.equal(inputs.get(input), undefined, `${c} has the same manifest as ${inputs.get(input)}`)
      inputs.set(input, c)
    }
  })

  const budgets = new Map(presets.map((p) => [p.id, p.exposureBudget]))
  for (const c of cases) {
    it(c, async () => {
      const dir = path.join(CASES, c)
      const input = fs.readFileSync(path.join(dir, 'manifest.toml'), 'utf8')
      let result: {text: string; preset: string} | undefined
      let error: string | undefined
      try {
        result = await render(input)
      } catch (e) {
        error = `${(e as Error).message}\n`
      }
      const expectedService = path.join(dir, 'expected.service')
      const expectedError = path.join(dir, 'expected.error')
      if (update) {
        fs.rmSync(expectedService, {force: true})
        fs.rmSync(expectedError, {force: true})
        fs.writeFileSync(result ? expectedService : expectedError, result?.text ?? error ?? '')
      }
      if (fs.existsSync(expectedError)) {
        assert.equal(result, undefined, `${c}: expected an error, got a unit:\n${result?.text}`)
        assert.equal(error, fs.readFileSync(expectedError, 'utf8'))
        return
      }
      assert.ok(result, `${c}: expected a unit, got: ${error}`)
      assert.equal(result.text, fs.readFileSync(expectedService, 'utf8'))
      // A preset's budget holds for every unit that asks for no loosening of its own; a manifest
      // that adds capabilities pays for them in exposure, which is reported but not capped.
      const budget = loosens(input) ? undefined : budgets.get(result.preset)
      const score = exposure(result.text)
      if (budget !== undefined)
        assert.ok(score <= budget, `${c}: exposure ${score} exceeds preset "${result.preset}" budget ${budget}`)
      else assert.ok(score > 0 && score <= 10, `${c}: exposure ${score}`)
    })
  }
})
