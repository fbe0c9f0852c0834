import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {acquireLock} from '../../../dist/system/state/lock.js'
import {currentProcess, isAlive} from '../../../dist/system/state/process-identity.js'

describe('state lock', () => {
  let dir: string
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-lock-'))
  })
  after(() => fs.rmSync(dir, {recursive: true, force: true}))

  it('is exclusive: a second holder waits until the first releases', async () => {
    const file = path.join(dir, 'a.lock')
    const first = await acquireLock(file)
    const holder = JSON.parse(fs.readFileSync(file, 'utf8')) as {pid: number}
    assert.equal(holder.pid, process.pid)
    let second = false
    const waiting = acquireLock(file, {timeoutMs: 5000}).then((l) => {
      second = true
      return l
    })
    await new Promise((r) => setTimeout(r, 100))
    assert.equal(second, false)
    first.release()
    ;(await waiting).release()
    assert.equal(second, true)
    assert.equal(fs.existsSync(file), false)
  })

  it('gives up after the bound with a message naming the holder', async () => {
    const file = path.join(dir, 'b.lock')
    const held = await acquireLock(file, {command: 'niso install x.niso'})
    await assert.rejects(acquireLock(file, {timeoutMs: 200}), (error: Error & {code?: string}) => {
      assert.equal(error.code, 'E_STATE_LOCKED')
      assert.match(
        error.message,
        new RegExp(`^${file}: held by pid ${process.pid} \\(niso install x.niso\\) for \\d+s; gave up after 0s$`),
      )
      return true
    })
    held.release()
  })

  it('takes over a lock whose holder died (kill -9), and one whose PID was reused', async () => {
    const file = path.join(dir, 'c.lock')
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    await new Promise((r) => child.once('spawn', r))
    const pid = child.pid as number
    const start = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[19] ?? ''
    assert.equal(isAlive({pid, start}), true)
    const holder = {pid, start, nonce: 'deadbeef', command: 'niso install', since: Date.now()}
    fs.writeFileSync(file, JSON.stringify(holder))
    await assert.rejects(acquireLock(file, {timeoutMs: 150}), /held by pid/)
    child.kill('SIGKILL')
    await new Promise((r) => child.once('exit', r))
    assert.equal(isAlive({pid, start}), false)
    const lock = await acquireLock(file, {timeoutMs: 1000})
    assert.equal((JSON.parse(fs.readFileSync(file, 'utf8')) as {pid: number}).pid, process.pid)
    lock.release()

    // Our own PID with another start time: a reused PID, so the lock is stale.
    const me = currentProcess()
    fs.writeFileSync(file, JSON.stringify({...holder, pid: me.pid, start: `${me.start}1`}))
    const again = await acquireLock(file, {timeoutMs: 1000})
    again.release()
    assert.deepEqual(
      fs.readdirSync(dir).filter((n) => n.startsWith('c.lock')),
      [],
    )
  })

  it('takes over an unreadable lock file', async () => {
    const file = path.join(dir, 'd.lock')
    fs.writeFileSync(file, 'garbage')
    const lock = await acquireLock(file, {timeoutMs: 1000})
    lock.release()
    assert.equal(fs.existsSync(file), false)
  })
})
