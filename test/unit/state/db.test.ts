import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'
import {setImmediate as tick} from 'node:timers/promises'

import {nisoPaths} from '../../../dist/core/paths.js'
import {readState, withState} from '../../../dist/system/state/db.js'
import {listEvents, recordEvent} from '../../../dist/system/state/events-repo.js'
import {MIGRATIONS, SCHEMA_VERSION} from '../../../dist/system/state/migrations.js'
import {getPackage, insertPackage, listPackages} from '../../../dist/system/state/packages-repo.js'

const dbModule = path.resolve(import.meta.dirname, '../../../dist/system/state/db.js')
const repoModule = path.resolve(import.meta.dirname, '../../../dist/system/state/events-repo.js')
const node = process.execPath

function record(name: string, version = '1.0.0') {
  return {
    name,
    version,
    arch: 'x86_64',
    sha256: 'a'.repeat(64),
    size: 10,
    unpackedSize: 20,
    fileCount: 3,
    signedBy: null,
    trust: 'unsigned' as const,
    manifest: `[package]\nname = "${name}"\n`,
    labels: {team: 'x'},
    installedAt: '2026-01-01T00:00:00.000Z',
  }
}

describe('state database', () => {
  let root: string
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-state-'))
  })
  after(() => fs.rmSync(root, {recursive: true, force: true}))

  const fresh = () => nisoPaths(fs.mkdtempSync(path.join(root, 'r-')))

  it('reads a missing file as an empty, fully migrated database without creating it', async () => {
    const paths = fresh()
    const v = await readState(paths, (db) => db.exec('PRAGMA user_version')[0]?.values[0]?.[0])
    assert.equal(v, SCHEMA_VERSION)
    assert.equal(fs.existsSync(paths.db), false)
    assert.deepEqual(await readState(paths, (db) => listPackages(db)), [])
  })

  it('migrates an empty file to the latest schema on the first write', async () => {
    const paths = fresh()
    fs.mkdirSync(paths.state, {recursive: true})
    fs.writeFileSync(paths.db, '')
    await withState(paths, () => undefined)
    assert.ok(fs.statSync(paths.db).size > 0)
    const tables = await readState(paths, (db) =>
      db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]?.values.map((r) => r[0]),
    )
    assert.deepEqual(
      tables?.filter((t) => t !== 'sqlite_sequence'),
      ['events', 'health', 'leases', 'networks', 'packages', 'ports', 'services'],
    )
    assert.equal(MIGRATIONS.at(-1)?.version, SCHEMA_VERSION)
    const version = await readState(paths, (db) => db.exec('PRAGMA user_version')[0]?.values[0]?.[0])
    assert.equal(version, SCHEMA_VERSION)
  })

  it('commits what the function wrote, round-tripping every column', async () => {
    const paths = fresh()
    await withState(paths, (db) => insertPackage(db, record('a')))
    assert.deepEqual(await readState(paths, (db) => getPackage(db, 'a', '1.0.0')), record('a'))
  })

  it('writes nothing when the function throws (the file is the commit)', async () => {
    const paths = fresh()
    await withState(paths, (db) => insertPackage(db, record('a')))
    const before = fs.readFileSync(paths.db)
    await assert.rejects(
      withState(paths, (db) => {
        insertPackage(db, record('b'))
        throw new Error('boom')
      }),
      /boom/,
    )
    assert.deepEqual(fs.readFileSync(paths.db), before)
    assert.equal(fs.existsSync(`${paths.db}.lock`), false)
    assert.deepEqual(
      (await readState(paths, (db) => listPackages(db))).map((p) => p.name),
      ['a'],
    )
  })

  it('does not rewrite the file when nothing changed', async () => {
    const paths = fresh()
    await withState(paths, (db) => insertPackage(db, record('a')))
    const ino = fs.statSync(paths.db).ino
    await withState(paths, (db) => getPackage(db, 'a', '1.0.0'))
    assert.equal(fs.statSync(paths.db).ino, ino)
  })

  it('runs afterCommit actions after the file is replaced', async () => {
    const paths = fresh()
    let seen: number | undefined
    await withState(paths, (db, tx) => {
      insertPackage(db, record('a'))
      tx.afterCommit(async () => {
        seen = await readState(paths, (d) => listPackages(d).length)
      })
    })
    assert.equal(seen, 1)
  })

  it('refuses a database from a newer niso, naming the file', async () => {
    const paths = fresh()
    await withState(paths, (db) => insertPackage(db, record('a')))
    await withState(paths, (db) => {
      db.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 5}`)
      insertPackage(db, record('b'))
    })
    await assert.rejects(
      readState(paths, () => 1),
      new RegExp(`${paths.db.replace(/[.]/g, '\\.')}: schema version ${SCHEMA_VERSION + 5} is newer than this niso`),
    )
  })

  it('refuses a file that is not a database', async () => {
    const paths = fresh()
    fs.mkdirSync(paths.state, {recursive: true})
    fs.writeFileSync(paths.db, 'not sqlite at all'.repeat(100))
    await assert.rejects(
      readState(paths, () => 1),
      /not a readable state database/,
    )
  })

  it('removes stray temp files of dead writers', async () => {
    const paths = fresh()
    fs.mkdirSync(paths.state, {recursive: true})
    const stray = path.join(paths.state, '.niso.db.999999999-1.abcd1234.tmp')
    fs.writeFileSync(stray, 'half')
    await withState(paths, (db) => insertPackage(db, record('a')))
    assert.equal(fs.existsSync(stray), false)
    assert.deepEqual(fs.readdirSync(paths.state).sort(), ['niso.db', 'niso.db.summary.json'])
  })

  it('keeps every write of 8 concurrent processes (no lost update)', async () => {
    const paths = fresh()
    const script = `
      const {withState} = await import(${JSON.stringify(dbModule)})
      const {recordEvent} = await import(${JSON.stringify(repoModule)})
      const {nisoPaths} = await import(${JSON.stringify(path.resolve(import.meta.dirname, '../../../dist/core/paths.js'))})
      for (let i = 0; i < 5; i++) await withState(nisoPaths(), (db) => recordEvent(db, {kind: 'test', name: process.argv[1] + '-' + i}))
    `
    const runs = Array.from(
      {length: 8},
      (_, i) =>
        new Promise<number | null>((resolve) => {
          const child = spawn(node, ['--input-type=module', '-e', script, `p${i}`], {
            env: {...process.env, NISO_ROOT: paths.root},
            stdio: ['ignore', 'ignore', 'inherit'],
          })
          child.on('exit', resolve)
        }),
    )
    assert.deepEqual(await Promise.all(runs), Array(8).fill(0))
    const names = await readState(paths, (db) => listEvents(db).map((e) => e.name))
    assert.equal(names.length, 40)
    assert.equal(new Set(names).size, 40)
  })

  it('never shows a reader a torn or unparseable file while writers commit', async () => {
    const paths = fresh()
    await withState(paths, (db) => recordEvent(db, {kind: 'seed'}))
    const script = `
      const {withState} = await import(${JSON.stringify(dbModule)})
      const {recordEvent} = await import(${JSON.stringify(repoModule)})
      const {nisoPaths} = await import(${JSON.stringify(path.resolve(import.meta.dirname, '../../../dist/core/paths.js'))})
      const pad = 'x'.repeat(20000)
      for (let i = 0; i < 40; i++) await withState(nisoPaths(), (db) => recordEvent(db, {kind: 'w', detail: {pad}}))
    `
    const writer = new Promise<number | null>((resolve) => {
      const child = spawn(node, ['--input-type=module', '-e', script], {
        env: {...process.env, NISO_ROOT: paths.root},
        stdio: ['ignore', 'ignore', 'inherit'],
      })
      child.on('exit', resolve)
    })
    let done = false
    void writer.then(() => (done = true))
    let reads = 0
    let last = 0
    while (!done) {
      const n = await readState(paths, (db) => {
        assert.equal(db.exec('PRAGMA integrity_check')[0]?.values[0]?.[0], 'ok')
        return listEvents(db).length
      })
      assert.ok(n >= last, 'a reader never goes back in time')
      last = n
      reads++
      await tick() // let the child's exit event in
    }
    assert.equal(await writer, 0)
    assert.ok(reads > 3, `reader ran ${reads} times`)
    assert.equal(await readState(paths, (db) => listEvents(db).length), 41)
  })
})
