import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {NisoError} from '../../dist/core/errors.js'
import {parseManifest} from '../../dist/core/manifest/parse.js'
import {nisoPaths} from '../../dist/core/paths.js'
import {type NetworkContribution, type UnitPlan, planUnit} from '../../dist/core/plan/plan-unit.js'
import {effectiveScore, parseSecurityReport} from '../../dist/core/unit/exposure.js'
import {goldenHost, goldenProviders} from './setup.ts'

/**
 * Unit generation goldens: test/golden/units/<case>/manifest.toml (plus an optional case.json:
 * {"network": <a network backend's contribution>, "files": [paths in the package]}) →
 * expected.service (byte-exact) or expected.error (the exact one-line message). UPDATE_GOLDEN=1
 * rewrites the expectations. Every generated unit must also stay within its preset's
 * `systemd-analyze security` exposure budget (unless the manifest itself asked for a loosening,
 * whose cost is then only reported), and `systemd-analyze verify` must print nothing about it.
 */
const CASES = path.join(import.meta.dirname, 'units')
const UPDATE = process.env.UPDATE_GOLDEN === '1'
const EXPECTATIONS = ['expected.service', 'expected.error'] as const

interface CaseOptions {
  readonly network?: NetworkContribution
  readonly files?: readonly string[]
}

const cases = fs.existsSync(CASES)
  ? fs
      .readdirSync(CASES, {withFileTypes: true})
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort()
  : []

function caseInput(name: string): {manifest: string; options: CaseOptions; key: string} {
  const dir = path.join(CASES, name)
  const manifest = fs.readFileSync(path.join(dir, 'manifest.toml'), 'utf8')
  const optionsFile = path.join(dir, 'case.json')
  const optionsText = fs.existsSync(optionsFile) ? fs.readFileSync(optionsFile, 'utf8') : ''
  const options = optionsText ? (JSON.parse(optionsText) as CaseOptions) : {}
  return {manifest, options, key: JSON.stringify([manifest, optionsText ? JSON.parse(optionsText) : null])}
}

async function plan(manifestText: string, options: CaseOptions): Promise<UnitPlan> {
  const manifest = parseManifest(manifestText)
  const providers = await goldenProviders()
  const files = options.files
  return planUnit({
    manifest,
    packageDir: `/opt/niso/packages/${manifest.package.name}/${manifest.package.version}`,
    presets: providers.preset,
    runtimes: providers.runtime,
    host: goldenHost(),
    paths: nisoPaths('/'),
    nisoVersion: 'TEST',
    ...(options.network ? {network: options.network} : {}),
    ...(files ? {hasFile: (p: string) => files.includes(p)} : {}),
  })
}

function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-golden-'))
  try {
    return fn(dir)
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

function unifiedDiff(expected: string, actual: string): string {
  return withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, 'expected'), expected)
    fs.writeFileSync(path.join(dir, 'actual'), actual)
    return spawnSync('diff', ['-u', 'expected', 'actual'], {cwd: dir, encoding: 'utf8'}).stdout
  })
}

/** `systemd-analyze security --offline --threshold=<budget×10>`: exit 0 means within budget. */
function security(unitName: string, text: string, budget: number | undefined) {
  return withTempDir((dir) => {
    const file = path.join(dir, unitName)
    fs.writeFileSync(file, text)
    const threshold = budget === undefined ? [] : [`--threshold=${Math.round(budget * 10)}`]
    const r = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', ...threshold, file], {
      encoding: 'utf8',
      env: {...process.env, SYSTEMD_COLORS: '0'},
    })
    return {status: r.status, report: parseSecurityReport(r.stdout), stderr: r.stderr}
  })
}

/**
 * `systemd-analyze verify` exits 0 even on unknown keys, so any output fails. It also insists
 * that ExecStart='s binary exists on this host (RootDirectory= notwithstanding), so the copy it
 * checks runs /bin/true, and units named in After=/Requires= get stubs beside it.
 */
function verify(unitName: string, text: string, p: UnitPlan): string {
  return withTempDir((dir) => {
    fs.writeFileSync(path.join(dir, unitName), text.replace(/^ExecStart=.*$/m, 'ExecStart=/bin/true'))
    const deps = [p.fragment.Unit.After, p.fragment.Unit.Requires].flat().filter((u) => typeof u === 'string')
    for (const dep of new Set(deps)) {
      if (!fs.existsSync(path.join('/lib/systemd/system', dep))) {
        fs.writeFileSync(path.join(dir, dep), '[Unit]\nDescription=stub\n\n[Service]\nExecStart=/bin/true\n')
      }
    }
    const r = spawnSync('systemd-analyze', ['verify', `./${unitName}`], {cwd: dir, encoding: 'utf8'})
    return `${r.stdout}${r.stderr}`
  })
}

describe('unit generation goldens', () => {
  it('has cases, each with exactly one expectation, and no two with the same input', () => {
    assert.ok(cases.length > 0, `no golden cases in ${CASES}`)
    const seen = new Map<string, string>()
    for (const c of cases) {
      const present = EXPECTATIONS.filter((f) => fs.existsSync(path.join(CASES, c, f)))
      if (!UPDATE) assert.equal(present.length, 1, `${c}: needs exactly one of ${EXPECTATIONS.join(' or ')}`)
      const {key} = caseInput(c)
      assert.equal(seen.get(key), undefined, `${c} has the same input as ${seen.get(key)}`)
      seen.set(key, c)
    }
  })

  for (const c of cases) {
    it(c, async (t) => {
      const dir = path.join(CASES, c)
      const {manifest, options} = caseInput(c)
      let result: UnitPlan | undefined
      let error: string | undefined
      try {
        result = await plan(manifest, options)
      } catch (e) {
        // Only user errors are golden; anything else is a bug and fails with its stack.
        if (!(e instanceof NisoError)) throw e
        error = `${e.message}\n`
      }
      if (UPDATE) {
        for (const f of EXPECTATIONS) fs.rmSync(path.join(dir, f), {force: true})
        fs.writeFileSync(path.join(dir, result ? 'expected.service' : 'expected.error'), result?.text ?? error ?? '')
      }

      const expectedError = path.join(dir, 'expected.error')
      if (fs.existsSync(expectedError)) {
        assert.equal(result, undefined, `${c}: expected an error, got a unit:\n${result?.text}`)
        assert.equal(error, fs.readFileSync(expectedError, 'utf8'))
        return
      }
      assert.ok(result, `${c}: expected a unit, got: ${error}`)
      const expected = fs.readFileSync(path.join(dir, 'expected.service'), 'utf8')
      if (result.text !== expected) {
        assert.fail(`${c}: unit differs from expected.service\n${unifiedDiff(expected, result.text)}\n${result.text}`)
      }

      // The manifest's own loosenings are the user's choice: reported, not capped.
      const manifestLoosens = result.relaxations.some((r) => r.by.startsWith('manifest.toml'))
      const budget = manifestLoosens ? undefined : result.preset.exposureBudget
      const scored = security(result.unitName, result.text, budget)
      const effective = effectiveScore(scored.report, result.text)
      t.diagnostic(
        `${c}: exposure ${scored.report.score.toFixed(1)} ${scored.report.label}` +
          (effective.credited.length ? `, effective ${effective.score.toFixed(1)}` : '') +
          (budget === undefined ? ' (no budget)' : `, budget ${budget.toFixed(1)}`),
      )
      if (budget !== undefined) {
        assert.equal(
          scored.status,
          0,
          `${c}: exposure ${scored.report.score} exceeds preset "${result.preset.id}" budget ${budget}\n${scored.stderr}`,
        )
      }
      assert.equal(verify(result.unitName, result.text, result), '', `${c}: systemd-analyze verify complains`)
    })
  }
})
