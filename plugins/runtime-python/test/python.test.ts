import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Manifest, ProviderError} from '@niso/plugin-sdk'
import {runtimeContext, testHost} from '@niso/plugin-sdk/testing'

import {python} from '../dist/index.js'

const DIR = '/opt/niso/runtimes/python/3.11.2'
const INTERPRETER_LIBS = [
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libexpat.so.1',
  '/lib/x86_64-linux-gnu/libz.so.1',
  '/lib64/ld-linux-x86-64.so.2',
]
const MODULE_LIBS = ['/lib/x86_64-linux-gnu/libc.so.6', '/lib/x86_64-linux-gnu/libssl.so.3']

const manifest = (extra: Partial<Manifest> = {}): Manifest => ({
  package: {name: 'py-api', version: '1.0.0'},
  runtime: {use: 'python:3.11'},
  binary: {entrypoint: 'python3', args: ['-m', 'app', '--port', '8000'], working_dir: '/app'},
  ...extra,
})

const host = (files: string[] = ['/etc/ssl/certs/ca-certificates.crt']) =>
  testHost('/', {
    runtimes: [
      {id: 'python', version: '3.10.13', binary: 'bin/python3.10'},
      {id: 'python', version: '3.11.2', binary: 'bin/python3.11', source: 'host:/usr/bin/python3.11'},
    ],
    libraries: {[`${DIR}/bin/python3.11`]: INTERPRETER_LIBS, [`${DIR}/lib/python3.11/lib-dynload`]: MODULE_LIBS},
    files,
  })

describe('runtime-python', () => {
  it('plans the interpreter and its stdlib under /usr/local, vendored deps on PYTHONPATH, every library once', async () => {
    const plan = await python.resolve(runtimeContext(manifest(), {id: 'python', version: '3.11'}, host()))
    assert.deepEqual(plan, {
      unit: {
        Service: {
          ExecStart: '/usr/local/bin/python3.11 -m app --port 8000',
          WorkingDirectory: '/app',
          Environment: [
            'LANG=C.UTF-8',
            'PATH=/usr/local/bin:/usr/bin:/bin',
            'PYTHONDONTWRITEBYTECODE=1',
            'PYTHONPATH=/app/vendor',
            'PYTHONUNBUFFERED=1',
            'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
          ],
        },
      },
      rootfs: [
        {kind: 'bind-ro', host: `${DIR}/bin/python3.11`, target: '/usr/local/bin/python3.11'},
        {kind: 'bind-ro', host: `${DIR}/lib/python3.11`, target: '/usr/local/lib/python3.11'},
        {kind: 'symlink', target: '/usr/local/bin/python3', linkTo: 'python3.11'},
        {kind: 'symlink', target: '/usr/local/bin/python', linkTo: 'python3.11'},
        ...[
          '/lib/x86_64-linux-gnu/libc.so.6',
          '/lib/x86_64-linux-gnu/libexpat.so.1',
          '/lib/x86_64-linux-gnu/libssl.so.3',
          '/lib/x86_64-linux-gnu/libz.so.1',
          '/lib64/ld-linux-x86-64.so.2',
        ].map((p) => ({kind: 'bind-ro', host: p, target: p})),
      ],
    })
  })

  it('runs a script from /app, keeps the manifest PYTHONPATH, sets no CA file the host lacks', async () => {
    const m = manifest({
      binary: {entrypoint: 'main.py', args: [], working_dir: '/app'},
      environment: {PYTHONPATH: '/app/src:/app/vendor'},
    })
    const plan = await python.resolve(runtimeContext(m, {id: 'python', version: '3.11.2'}, host([])))
    assert.deepEqual(plan.unit.Service, {
      ExecStart: '/usr/local/bin/python3.11 /app/main.py',
      WorkingDirectory: '/app',
      Environment: [
        'LANG=C.UTF-8',
        'PATH=/usr/local/bin:/usr/bin:/bin',
        'PYTHONDONTWRITEBYTECODE=1',
        'PYTHONUNBUFFERED=1',
      ],
    })
    assert.equal(plan.needs, undefined)
  })

  it('fails with the one-line install hint when that version is not installed', async () => {
    await assert.rejects(
      python.resolve(runtimeContext(manifest(), {id: 'python', version: '3.12'}, host())),
      (e: unknown) => {
        assert.ok(e instanceof ProviderError)
        assert.equal(e.message, 'runtime python:3.12 is not installed: run `niso runtime install python:3.12`')
        return true
      },
    )
  })

  it('adopts a host pythonX.Y with its stdlib, else unpacks Debian packages; needs a minor version', () => {
    const adopt = {
      version: {args: ['--version'], pattern: '^Python (\\d+\\.\\d+\\.\\d+)'},
      binary: 'bin/python3.11',
      trees: [{from: '{prefix}/lib/python3.11', to: 'lib/python3.11', exclude: ['site-packages', 'dist-packages']}],
    }
    assert.deepEqual(python.install?.({version: '3.11'}), [
      {kind: 'adopt-host', candidates: ['python3.11'], ...adopt},
      {
        kind: 'debian',
        packages: ['python3.11-minimal', 'libpython3.11-minimal', 'libpython3.11-stdlib'],
        adopt: {candidates: ['/usr/bin/python3.11'], ...adopt},
      },
    ])
    assert.throws(() => python.install?.({version: '3'}), /python:3: name a minor version, e\.g\. python:3\.11/)
  })
})
