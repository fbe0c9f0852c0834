import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {compileC, packApp} from '../helpers/apps.ts'
import {machineSkipReason, useMachine} from '../helpers/machine.ts'

const manifest = (name: string, version: string, port: number, extra = '') => `
[package]
name = "${name}"
version = "${version}"

[binary]
entrypoint = "hello-c"

[environment]
PORT = "${port}"
APP_VERSION = "${version}"
${extra}
`

/**
 * The network attachment across a service's life and beyond activation: a health check run by
 * hand, preset and version switches, rollback, and one-off runs.
 */
describe('network attachment across versions, presets, health checks and runs', {skip: machineSkipReason()}, () => {
  const m = useMachine('it-netlife')
  let bin = ''
  const install = async (name: string, version: string, port: number, extra = '') => {
    const r = await m.niso(['install', packApp(m.shareDir, manifest(name, version, port, extra), bin)])
    assert.equal(r.code, 0, r.stderr)
  }
  const activate = async (name: string, version?: string) => {
    const r = await m.niso(['activate', name, ...(version ? [version] : [])])
    assert.equal(r.code, 0, r.stderr)
  }
  const curl = (url: string, ns?: string) =>
    m.exec([...(ns ? ['ip', 'netns', 'exec', ns] : []), 'curl', '-sS', '--max-time', '2', url])
  const lease = async (app: string) => {
    const nets = JSON.parse((await m.niso(['net', 'list', '--json'])).stdout) as {name: string}[]
    for (const n of nets) {
      const inspect = JSON.parse((await m.niso(['net', 'inspect', n.name, '--json'])).stdout) as {
        services: {name: string; ip: string}[]
      }
      const s = inspect.services.find((x) => x.name === app)
      if (s) return `${n.name}=${s.ip}`
    }
    return ''
  }

  it('builds the server', () => {
    bin = compileC('examples/hello-c/server.c', m.shareDir, 'hello-c')
  })

  it('niso health check by hand probes inside the service namespace', async () => {
    await install(
      'nl-local',
      '1.0.0',
      8085,
      'BIND = "127.0.0.1"\n[healthcheck]\nhttp = "http://127.0.0.1:8085/"\ninterval = "1h"',
    )
    await activate('nl-local')
    assert.notEqual((await curl('http://127.0.0.1:8085/')).code, 0, 'the endpoint is not only in its namespace')
    assert.equal((await curl('http://127.0.0.1:8085/', 'niso-nl-local')).code, 0)
    const r = await m.niso(['health', 'check', 'nl-local', '--json'])
    assert.equal(r.code, 0, r.stderr)
    const check = JSON.parse(r.stdout) as {ok: boolean; detail: string}
    assert.equal(check.ok, true, check.detail)
    assert.equal((await m.niso(['deactivate', 'nl-local'])).code, 0)
  })
})
