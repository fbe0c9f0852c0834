import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {nisoPaths} from '../../../dist/core/paths.js'
import {readState} from '../../../dist/system/state/db.js'
import {getPackage} from '../../../dist/system/state/packages-repo.js'
import {sha256, writePackage} from '../../helpers/archive.ts'
import {NISO_BIN, runNiso} from '../../helpers/cli.ts'

interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  stderr: string
}

/** Starts bin/niso; `killAfterMs` sends SIGKILL (kill -9) after that delay. */
function start(args: string[], root: string, killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(NISO_BIN, args, {env: {...process.env, NISO_ROOT: root}, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({code, signal, stderr})
    })
  })
}

describe('install under concurrency and crashes', () => {
  let work: string
  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-crash-'))
  })
  after(() => fs.rmSync(work, {recursive: true, force: true}))

  it('records all of 10 concurrent installs of different packages', async () => {
    const root = fs.mkdtempSync(path.join(work, 'root-'))
    const files = await Promise.all(
      Array.from({length: 10}, (_, i) =>
        writePackage(fs.mkdtempSync(path.join(work, 'p-')), {name: `app${i}`, files: {'i.txt': String(i)}}),
      ),
    )
    const exits = await Promise.all(files.map((f) => start(['install', f], root)))
    for (const e of exits) assert.equal(e.code, 0, e.stderr)
    const list = JSON.parse(runNiso(['list', '--json'], {env: {NISO_ROOT: root}}).stdout) as Array<{name: string}>
    assert.deepEqual(
      list.map((p) => p.name),
      Array.from({length: 10}, (_, i) => `app${i}`),
    )
    for (let i = 0; i < 10; i++) {
      assert.equal(fs.readFileSync(path.join(root, `opt/niso/packages/app${i}/1.0.0/i.txt`), 'utf8'), String(i))
    }
  })

  it('leaves the old state or the new one when install or remove is killed (kill -9) at random moments', async () => {
    const root = fs.mkdtempSync(path.join(work, 'root-'))
    const paths = nisoPaths(root)
    const files: Record<string, string | Buffer> = {'big.bin': crypto.randomBytes(4 * 1024 * 1024)}
    for (let i = 0; i < 400; i++) files[`node_modules/m${i % 20}/f${i}.js`] = `module.exports = ${i}\n`.repeat(20)
    const file = await writePackage(work, {name: 'crashy', version: '1.0.0', files})
    const archiveSha = sha256(fs.readFileSync(file))

    // How long a whole install takes here: kills land anywhere from before start to after the end.
    let t0 = Date.now()
    assert.equal((await start(['install', file], root)).code, 0)
    const installSpan = (Date.now() - t0) * 1.2
    t0 = Date.now()
    assert.equal((await start(['remove', 'crashy', '1.0.0'], root)).code, 0)
    const removeSpan = (Date.now() - t0) * 1.2

    const check = async (): Promise<boolean> => {
      const row = await readState(paths, (db) => getPackage(db, 'crashy', '1.0.0'))
      if (!row) return false
      assert.equal(row.sha256, archiveSha)
      assert.equal(sha256(fs.readFileSync(path.join(paths.archives, 'crashy/1.0.0.niso'))), archiveSha)
      const dir = path.join(paths.packages, 'crashy/1.0.0')
      const lines = fs.readFileSync(path.join(dir, 'checksums.sha256'), 'utf8').trim().split('\n')
      assert.equal(lines.length, Object.keys(files).length + 1)
      for (const line of lines) {
        const [hash, rel] = line.split('  ') as [string, string]
        assert.equal(sha256(fs.readFileSync(path.join(dir, rel))), hash, `${rel} complete`)
      }
      return true
    }

    const rounds = Number(process.env.NISO_CRASH_ROUNDS ?? 24)
    const outcomes = {installKilled: 0, removeKilled: 0, sawOld: 0, sawNew: 0}
    for (let round = 0; round < rounds; round++) {
      const installed = await check()
      const op = installed ? ['remove', 'crashy', '1.0.0'] : ['install', file]
      const exit = await start(op, root, Math.random() * (installed ? removeSpan : installSpan))
      if (exit.signal === 'SIGKILL') outcomes[installed ? 'removeKilled' : 'installKilled']++
      else assert.equal(exit.code, 0, exit.stderr)
      // Right after the crash: the row is absent (old state for install, new for remove) or the
      // package is entirely there. Nothing in between is visible.
      const now = await check()
      outcomes[now === installed ? 'sawOld' : 'sawNew']++
    }
    // The next writer recovers: a lock left by a killed process is taken over (a no-op install of
    // what is already there only reads, so remove first), the install completes, and no leftovers
    // of any crash remain.
    await start(['remove', 'crashy', '1.0.0'], root)
    const last = await start(['install', file], root)
    assert.equal(last.code, 0, last.stderr)
    assert.equal(await check(), true)
    assert.deepEqual(fs.readdirSync(paths.staging), [])
    assert.deepEqual(fs.readdirSync(path.join(paths.packages, '.trash')), [])
    assert.deepEqual(
      fs.readdirSync(paths.archives).filter((n) => n.startsWith('.')),
      [],
    )
    assert.deepEqual(fs.readdirSync(paths.state).sort(), ['niso.db', 'niso.db.summary.json'])
    if (process.env.NISO_CRASH_DEBUG) console.log(outcomes)
    assert.ok(outcomes.installKilled + outcomes.removeKilled >= rounds / 3, JSON.stringify(outcomes))
  })
})
