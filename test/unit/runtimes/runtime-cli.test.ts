import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {nisoPaths} from '../../../dist/core/paths.js'
import {withState} from '../../../dist/system/state/db.js'
import {setCurrentVersion} from '../../../dist/system/state/services-repo.js'
import {runNiso} from '../../helpers/cli.ts'

const PY = '/usr/bin/python3.11'

describe(
  'niso runtime install --from / list / remove (NISO_ROOT)',
  {skip: fs.existsSync(PY) ? undefined : `no ${PY}`},
  () => {
    let root = ''
    let version = ''
    const niso = (...args: string[]) => runNiso(args, {env: {NISO_ROOT: root}})

    before(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-rt-'))
      version = /Python (\S+)/.exec(spawnSync(PY, ['--version'], {encoding: 'utf8'}).stdout)?.[1] ?? ''
    })
    after(() => fs.rmSync(root, {recursive: true, force: true}))

    it('lists nothing at first', () => {
      const r = niso('runtime', 'list')
      assert.equal(r.code, 0, r.stderr)
      assert.equal(r.stdout, 'No runtimes installed (niso runtime install nodejs:20)\n')
      assert.deepEqual(JSON.parse(niso('runtime', 'list', '--json').stdout), [])
    })

    it('refuses bad references, unknown runtimes and a version that does not match, leaving nothing', () => {
      const bad = niso('runtime', 'install', 'python')
      assert.equal(bad.code, 1)
      assert.equal(bad.stderr, 'niso: "python" is not a runtime reference: use <id>:<version>, e.g. nodejs:20\n')
      const unknown = niso('runtime', 'install', 'cobol:85')
      assert.equal(unknown.code, 1)
      assert.match(unknown.stderr, /^niso: unknown runtime "cobol" \(available: .*nodejs.*python.*\)$/m)
      const wrong = niso('runtime', 'install', 'python:3.12', '--from', PY)
      assert.equal(wrong.code, 1)
      assert.equal(wrong.stderr.split('\n').at(-2), `niso: ${PY} is python ${version}, not python:3.12`)
      const major = niso('runtime', 'install', 'python:3', '--from', PY)
      assert.equal(major.stderr, 'niso: python:3: name a minor version, e.g. python:3.11\n')
      assert.deepEqual(fs.readdirSync(path.join(root, 'opt/niso/runtimes/.staging')), [])
    })

    it('adopts the host interpreter with its stdlib, once', () => {
      const r = niso('runtime', 'install', 'python:3.11', '--from', PY, '--json')
      assert.equal(r.code, 0, r.stderr)
      const out = JSON.parse(r.stdout) as {id: string; version: string; dir: string; source: string; binary: string}
      const dir = path.join(root, 'opt/niso/runtimes/python', version)
      assert.deepEqual(
        [out.id, out.version, out.dir, out.source, out.binary],
        ['python', version, dir, `host:${PY}`, 'bin/python3.11'],
      )
      // The copy stands alone: its prefix is the store, its stdlib and extension modules load from there.
      const py = spawnSync(
        path.join(dir, 'bin/python3.11'),
        ['-I', '-c', 'import sys, json, ssl, sqlite3; print(sys.prefix); print(json.__file__)'],
        {encoding: 'utf8'},
      )
      assert.equal(py.stdout, `${dir}\n${dir}/lib/python3.11/json/__init__.py\n`, py.stderr)
      assert.equal(fs.existsSync(path.join(dir, 'lib/python3.11/site-packages')), false)
      const again = niso('runtime', 'install', 'python:3.11')
      assert.equal(again.code, 0, again.stderr)
      assert.equal(again.stdout, `Runtime python:${version} is already installed (host:${PY}) in ${dir}\n`)
    })

    it('lists it with its size', () => {
      const rows = JSON.parse(niso('runtime', 'list', '--json').stdout) as {id: string; version: string; size: number}[]
      assert.deepEqual(
        rows.map((x) => [x.id, x.version]),
        [['python', version]],
      )
      assert.ok((rows[0]?.size ?? 0) > 10_000_000)
      const text = niso('runtime', 'list').stdout.split('\n')
      assert.match(text[0] ?? '', /^ID\s+VERSION\s+PATH\s+SOURCE\s+SIZE$/)
      assert.match(
        text[1] ?? '',
        new RegExp(`^python\\s+${version.replaceAll('.', '\\.')}\\s+${root}\\S+\\s+host:${PY}\\s+\\d`),
      )
    })

    it('refuses to remove a runtime an active service uses, then removes it once it is free', async () => {
      const paths = nisoPaths(root)
      const dir = path.join(root, 'opt/niso/runtimes/python', version)
      await withState(paths, (db) => setCurrentVersion(db, 'py-app', '1.0.0', new Date().toISOString()))
      const planDir = path.join(paths.rootfs, 'py-app', '1.0.0')
      fs.mkdirSync(planDir, {recursive: true})
      const plan = {rootfs: {binds: [{source: `${dir}/bin/python3.11`, target: '/usr/local/bin/python3.11'}]}}
      fs.writeFileSync(path.join(planDir, 'plan.json'), JSON.stringify(plan))
      const refused = niso('runtime', 'remove', `python:${version}`)
      assert.equal(refused.code, 1)
      assert.match(
        refused.stderr,
        new RegExp(
          `^niso: runtime python:${version.replaceAll('.', '\\.')} is used by active service\\(s\\): py-app$`,
          'm',
        ),
      )
      assert.equal(fs.existsSync(dir), true)

      fs.writeFileSync(path.join(planDir, 'plan.json'), JSON.stringify({rootfs: {binds: []}}))
      const removed = niso('runtime', 'remove', `python:${version}`)
      assert.equal(removed.code, 0, removed.stderr)
      assert.equal(removed.stdout, `Removed runtime python:${version} (${dir})\n`)
      assert.equal(fs.existsSync(dir), false)
      const gone = niso('runtime', 'remove', `python:${version}`)
      assert.equal(gone.code, 1)
      assert.equal(gone.stderr, `niso: runtime python:${version} is not installed\n`)
    })
  },
)
