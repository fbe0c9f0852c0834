import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import net from 'node:net'
import {after, before, describe, it} from 'node:test'

import {hostSockets} from '../../../dist/system/net/host-sockets.js'

describe('hostSockets', () => {
  const server = net.createServer()
  let port = 0
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as net.AddressInfo).port
  })
  after(() => new Promise<void>((resolve) => server.close(() => resolve())))

  const mine = `${readFileSync('/proc/self/comm', 'utf8').trim()} (pid ${process.pid})`

  it('names the process holding a socket on an asked-for port', async () => {
    const found = (await hostSockets([port])).find((s) => s.proto === 'tcp' && s.port === port)
    assert.equal(found?.holder, mine)
  })

  it('lists sockets on other ports without looking up their holders', async () => {
    const found = (await hostSockets([port === 1 ? 2 : 1])).find((s) => s.proto === 'tcp' && s.port === port)
    assert.equal(found?.ip, '127.0.0.1')
    assert.equal(found?.holder, 'a host process')
  })

  it('names every holder when no ports are given', async () => {
    const found = (await hostSockets()).find((s) => s.proto === 'tcp' && s.port === port)
    assert.equal(found?.holder, mine)
  })
})
