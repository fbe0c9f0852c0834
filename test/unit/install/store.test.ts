import assert from 'node:assert/strict'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {nisoPaths} from '../../../dist/core/paths.js'
import {readState, withState} from '../../../dist/system/state/db.js'
import {listEvents} from '../../../dist/system/state/events-repo.js'
import {setCurrentVersion} from '../../../dist/system/state/services-repo.js'
import {planGc} from '../../../dist/system/store/gc.js'
import {compareVersions} from '../../../dist/system/store/semver.js'
import {errorLines, sha256, storeSnapshot, treeOf, writePackage} from '../../helpers/archive.ts'
import {runNiso} from '../../helpers/cli.ts'

describe('package store (install, list, export, import, remove, gc)', () => {
  let work: string
  let root: string
  const env = () => ({NISO_ROOT: root})
  const niso = (...args: string[]) => runNiso(args, {env: env()})
  const pkgs = () => path.join(root, 'opt/niso/packages')
  const archives = () => path.join(root, 'opt/niso/archives')

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-store-'))
  })
  after(() => fs.rmSync(work, {recursive: true, force: true}))
  const freshRoot = () => {
    root = fs.mkdtempSync(path.join(work, 'root-'))
  }
  const pkg = (spec: Parameters<typeof writePackage>[1]) => writePackage(fs.mkdtempSync(path.join(work, 'p-')), spec)
  const activate = (name: string, version: string) =>
    withState(nisoPaths(root), (db) => setCurrentVersion(db, name, version, new Date().toISOString()))

  it('installs into packages/<name>/<version>/ with the archive kept byte for byte', async () => {
    freshRoot()
    const file = await pkg({name: 'api', version: '1.0.0', files: {'app/main.js': 'main', 'bin/run': 'run'}})
    const r = niso('install', file)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Installed api 1.0.0\n')
    assert.deepEqual(treeOf(path.join(pkgs(), 'api/1.0.0')), [
      'app/',
      'app/main.js',
      'bin/',
      'bin/run',
      'checksums.sha256',
      'manifest.toml',
    ])
    assert.equal(fs.readFileSync(path.join(pkgs(), 'api/1.0.0/app/main.js'), 'utf8'), 'main')
    assert.deepEqual(fs.readFileSync(path.join(archives(), 'api/1.0.0.niso')), fs.readFileSync(file))
    assert.deepEqual(fs.readdirSync(path.join(pkgs(), '.staging')), [])
  })

  it('installs a package of several MB (written by the writer thread) byte for byte, modes included', async () => {
    freshRoot()
    const files: Record<string, Buffer | string> = {'blob.bin': crypto.randomBytes(3 * 1024 * 1024)}
    for (let i = 0; i < 300; i++) files[`lib/m${i % 7}/f${i}.js`] = `module.exports = ${i}\n`.repeat(i)
    const file = await pkg({
      name: 'big',
      files,
      entries: (e) => e.map((x) => (x.name === 'lib/m1/f1.js' ? {...x, mode: 0o755} : x)),
    })
    assert.ok(fs.statSync(file).size > 2 * 1024 * 1024)
    const r = niso('install', file)
    assert.equal(r.code, 0, r.stderr)
    for (const [rel, data] of Object.entries(files)) {
      assert.equal(sha256(fs.readFileSync(path.join(pkgs(), 'big/1.0.0', rel))), sha256(data), rel)
    }
    assert.equal(fs.statSync(path.join(pkgs(), 'big/1.0.0/lib/m1/f1.js')).mode & 0o777, 0o755)
    assert.equal(fs.statSync(path.join(pkgs(), 'big/1.0.0/lib/m1/f8.js')).mode & 0o777, 0o644)
  })

  it('is a no-op for the same content, and refuses different content for an installed version', async () => {
    freshRoot()
    const file = await pkg({name: 'api', version: '1.0.0', files: {'a.js': 'one'}})
    assert.equal(niso('install', file).code, 0)
    const before = storeSnapshot(root)
    const again = niso('install', file)
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.stdout, 'api 1.0.0 is already installed (same content); nothing to do\n')
    assert.deepEqual(storeSnapshot(root), before)

    const other = await pkg({name: 'api', version: '1.0.0', files: {'a.js': 'two'}})
    const r = niso('install', other)
    assert.equal(r.code, 1)
    const lines = errorLines(r.stderr)
    assert.equal(
      lines[0],
      `niso: api 1.0.0 is already installed with different content (installed sha256 ${sha256(fs.readFileSync(file)).slice(0, 12)}…, this file ${sha256(fs.readFileSync(other)).slice(0, 12)}…)`,
    )
    assert.equal(lines[1], 'hint: bump the version, or remove the installed one first: niso remove api 1.0.0')
    assert.deepEqual(storeSnapshot(root), before)
  })

  it('keeps several versions side by side, and lists them (table, --format json, --json)', async () => {
    freshRoot()
    for (const v of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
      assert.equal(niso('install', await pkg({name: 'api', version: v, files: {'v.txt': v}})).code, 0)
    }
    assert.equal(niso('install', await pkg({name: 'web', version: '0.1.0'})).code, 0)
    for (const v of ['1.0.0', '1.1.0', '2.0.0-rc.1']) {
      assert.equal(fs.readFileSync(path.join(pkgs(), 'api', v, 'v.txt'), 'utf8'), v)
    }
    await activate('api', '1.1.0')
    const json = JSON.parse(niso('list', '--format', 'json').stdout) as Array<Record<string, unknown>>
    assert.deepEqual(JSON.parse(niso('list', '--json').stdout), json)
    assert.deepEqual(
      json.map((p) => [p.name, p.version, p.status, p.arch, p.trust]),
      [
        ['api', '1.0.0', 'installed', 'x86_64', 'unsigned'],
        ['api', '1.1.0', 'active', 'x86_64', 'unsigned'],
        ['api', '2.0.0-rc.1', 'installed', 'x86_64', 'unsigned'],
        ['web', '0.1.0', 'installed', 'x86_64', 'unsigned'],
      ],
    )
    const table = niso('list').stdout.split('\n')
    assert.match(table[0] ?? '', /^NAME +VERSION +STATUS +ARCH +SIZE +SIGNED BY +INSTALLED$/)
    assert.match(table[2] ?? '', /^api +1\.1\.0 +active +x86_64 +\d+ B +- +\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/)
    assert.equal(table.length, 6)
    assert.ok(!niso('list').stdout.includes('\u001b'), 'no colour when not a TTY')
  })

  it('lists from the state digest only while it matches the DB, else from the DB', async () => {
    freshRoot()
    for (const n of ['a', 'b']) assert.equal(niso('install', await pkg({name: n})).code, 0)
    const paths = nisoPaths(root)
    const digest = `${paths.db}.summary.json`
    const names = () => (JSON.parse(niso('list', '--json').stdout) as Array<{name: string}>).map((p) => p.name)
    assert.deepEqual(names(), ['a', 'b'])
    assert.deepEqual(
      (JSON.parse(fs.readFileSync(digest, 'utf8')) as {packages: Array<{name: string}>}).packages.map((p) => p.name),
      ['a', 'b'],
    )
    // The DB changes behind the digest's back (as after a crash between the two writes).
    const bytes = await readState(paths, (db) => {
      db.run("DELETE FROM packages WHERE name = 'a'")
      return db.export()
    })
    fs.writeFileSync(paths.db, bytes)
    assert.deepEqual(names(), ['b'])
    // A broken digest is ignored too; the next write brings it up to date.
    fs.writeFileSync(digest, '{')
    assert.deepEqual(names(), ['b'])
    assert.equal(niso('install', await pkg({name: 'c'})).code, 0)
    assert.deepEqual(
      (JSON.parse(fs.readFileSync(digest, 'utf8')) as {packages: Array<{name: string}>}).packages.map((p) => p.name),
      ['b', 'c'],
    )
  })

  it('exports the exact bytes that were installed, and imports them elsewhere', async () => {
    freshRoot()
    const file = await pkg({name: '@acme/api', version: '3.0.0', files: {'x.js': 'x'}})
    assert.equal(path.basename(file), 'acme-api-3.0.0-x86_64.niso')
    assert.equal(niso('install', file).code, 0)
    assert.ok(fs.existsSync(path.join(pkgs(), '@acme/api/3.0.0/x.js')))
    const out = path.join(work, 'exported.niso')
    const r = niso('export', '@acme/api:3.0.0', '-o', out)
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`^Exported @acme/api 3.0.0 to ${out} \\(\\d+ B\\)\\n$`))
    assert.equal(sha256(fs.readFileSync(out)), sha256(fs.readFileSync(file)))

    const dir = fs.mkdtempSync(path.join(work, 'exp-'))
    assert.equal(niso('export', '@acme/api:3.0.0', '-o', dir).code, 0)
    assert.equal(sha256(fs.readFileSync(path.join(dir, 'acme-api-3.0.0-x86_64.niso'))), sha256(fs.readFileSync(file)))

    const first = root
    freshRoot()
    const imp = niso('import', out)
    assert.equal(imp.code, 0, imp.stderr)
    assert.equal(imp.stdout, 'Imported @acme/api 3.0.0\n')
    const events = await readState(nisoPaths(root), (db) => listEvents(db).map((e) => e.kind))
    assert.deepEqual(events, ['import'])
    assert.equal(niso('export', 'nope:1.0.0').code, 1)
    assert.equal(errorLines(niso('export', 'nope:1.0.0').stderr)[0], 'niso: nope 1.0.0 is not installed')
    root = first
  })

  it('export refuses a kept archive that was damaged on disk', async () => {
    freshRoot()
    const file = await pkg({name: 'api', version: '1.0.0'})
    assert.equal(niso('install', file).code, 0)
    const kept = path.join(archives(), 'api/1.0.0.niso')
    const bytes = fs.readFileSync(kept)
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 1, bytes.length - 1)
    fs.writeFileSync(kept, bytes)
    const out = path.join(work, 'damaged.niso')
    const r = niso('export', 'api:1.0.0', '-o', out)
    assert.equal(r.code, 1)
    assert.match(errorLines(r.stderr)[0] ?? '', /the kept archive of api 1\.0\.0 is damaged/)
    assert.equal(fs.existsSync(out), false)
  })

  it('removes a version (dir, archive, row) and refuses the active one unless --force', async () => {
    freshRoot()
    for (const v of ['1.0.0', '2.0.0']) assert.equal(niso('install', await pkg({name: 'api', version: v})).code, 0)
    await activate('api', '2.0.0')
    const r = niso('remove', 'api', '2.0.0')
    assert.equal(r.code, 1)
    assert.deepEqual(errorLines(r.stderr), [
      'niso: api 2.0.0 is the active version',
      'hint: deactivate it or activate another version first, or pass --force',
    ])
    const ok = niso('remove', 'api', '1.0.0')
    assert.equal(ok.code, 0, ok.stderr)
    assert.equal(ok.stdout, 'Removed api 1.0.0\n')
    assert.equal(fs.existsSync(path.join(pkgs(), 'api/1.0.0')), false)
    assert.equal(fs.existsSync(path.join(archives(), 'api/1.0.0.niso')), false)
    assert.equal(niso('remove', 'api:1.0.0').code, 1)

    const forced = niso('remove', 'api', '2.0.0', '--force')
    assert.equal(forced.code, 0, forced.stderr)
    assert.match(forced.stderr, /warning: api 2\.0\.0 was the active version/)
    assert.deepEqual(JSON.parse(niso('list', '--json').stdout), [])
    assert.deepEqual(
      treeOf(pkgs()).filter((p) => !p.startsWith('.')),
      [],
    )
    assert.deepEqual(treeOf(archives()), [])
  })

  it('gc keeps current + previous + N newest others, with --dry-run', async () => {
    freshRoot()
    const versions = ['1.0.0', '1.1.0', '1.2.0', '1.10.0', '2.0.0', '2.1.0-beta.1']
    for (const v of versions) assert.equal(niso('install', await pkg({name: 'api', version: v})).code, 0)
    assert.equal(niso('install', await pkg({name: 'web', version: '1.0.0'})).code, 0)
    await activate('api', '1.0.0')
    await activate('api', '1.1.0') // current 1.1.0, previous 1.0.0

    const dry = niso('gc', '--keep-versions', '1', '--dry-run')
    assert.equal(dry.code, 0, dry.stderr)
    assert.deepEqual(
      dry.stdout
        .split('\n')
        .filter((l) => l.startsWith('Would remove'))
        .map((l) => l.replace(/ \(.*\)$/, '')),
      ['Would remove api 2.0.0', 'Would remove api 1.10.0', 'Would remove api 1.2.0'],
    )
    assert.equal((JSON.parse(niso('list', '--json').stdout) as unknown[]).length, 7)

    const r = niso('gc', '--keep-versions', '1')
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, /^Removed api 2\.0\.0 \(/m)
    const left = (JSON.parse(niso('list', '--json').stdout) as Array<{name: string; version: string}>).map(
      (p) => `${p.name} ${p.version}`,
    )
    assert.deepEqual(left.sort(), ['api 1.0.0', 'api 1.1.0', 'api 2.1.0-beta.1', 'web 1.0.0'])
    for (const v of ['2.0.0', '1.10.0', '1.2.0']) assert.equal(fs.existsSync(path.join(pkgs(), 'api', v)), false)
    assert.equal(niso('gc', '--keep-versions', '1').stdout, 'Nothing to remove\n')
  })

  it('gc and install clean up what a crashed install left behind', async () => {
    freshRoot()
    assert.equal(niso('install', await pkg({name: 'api', version: '1.0.0'})).code, 0)
    // A dir and archive without a row (crash between rename and commit), a dead process's staging dir.
    fs.mkdirSync(path.join(pkgs(), 'ghost/9.9.9'), {recursive: true})
    fs.writeFileSync(path.join(pkgs(), 'ghost/9.9.9/f'), 'x')
    fs.mkdirSync(path.join(archives(), 'ghost'), {recursive: true})
    fs.writeFileSync(path.join(archives(), 'ghost/9.9.9.niso'), 'x')
    fs.mkdirSync(path.join(pkgs(), '.staging/999999999-1-abcdef'), {recursive: true})
    fs.writeFileSync(path.join(archives(), '.tmp-999999999-1-abcdef.niso'), 'x')
    const r = niso('gc', '--keep-versions', '5')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout, 'Removed leftovers of an interrupted install: ghost 9.9.9\nNothing to remove\n')
    assert.deepEqual(fs.readdirSync(pkgs()).sort(), ['.staging', '.trash', 'api'])
    assert.deepEqual(fs.readdirSync(path.join(pkgs(), '.staging')), [])
    assert.deepEqual(fs.readdirSync(path.join(pkgs(), '.trash')), [])
    assert.deepEqual(treeOf(archives()), ['api/', 'api/1.0.0.niso'])
  })

  it('plans gc per package from rows and services (pure)', () => {
    const row = (name: string, version: string) =>
      ({name, version, unpackedSize: 1, size: 1}) as unknown as Parameters<typeof planGc>[0][number]
    const rows = ['1.0.0', '1.1.0', '1.2.0', '1.3.0'].map((v) => row('a', v))
    const services = [{name: 'a', currentVersion: '1.0.0', previousVersion: '1.3.0', activatedAt: null}]
    assert.deepEqual(
      planGc(rows, services, 1).map((v) => v.version),
      ['1.1.0'],
    )
    assert.deepEqual(
      planGc(rows, [], 0).map((v) => v.version),
      ['1.3.0', '1.2.0', '1.1.0', '1.0.0'],
    )
  })

  it('orders versions by semver precedence', () => {
    const sorted = [
      '1.0.0',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta',
      '1.0.0-beta.11',
      '1.0.0-beta.2',
      '1.0.0-rc.1',
      '0.9.9',
      '1.10.0',
      '1.2.0',
    ].sort(compareVersions)
    assert.deepEqual(sorted, [
      '0.9.9',
      '1.0.0-alpha',
      '1.0.0-alpha.1',
      '1.0.0-beta',
      '1.0.0-beta.2',
      '1.0.0-beta.11',
      '1.0.0-rc.1',
      '1.0.0',
      '1.2.0',
      '1.10.0',
    ])
  })
})
