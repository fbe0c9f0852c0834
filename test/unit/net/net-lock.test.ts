import assert from 'node:assert/strict'
import fs from 'node:fs'
import {setTimeout as sleep} from 'node:timers/promises'
import {describe, it} from 'node:test'

import {nisoPaths} from '../../../dist/core/paths.js'
import {acquireLock} from '../../../dist/system/state/lock.js'
import {assertNetLock, netLockFile, withNetLock} from '../../../dist/system/net/net-lock.js'
import {scratchDirs} from '../../helpers/scratch.ts'

describe('network lock', () => {
  const scratch = scratchDirs('niso-net-lock-')
  const paths = () => nisoPaths(scratch())

  it('serialises flows of one process and is re-entrant within a flow', async () => {
    const p = paths()
    const trace: string[] = []
    const flow = (name: string) =>
      withNetLock(p, async () => {
        trace.push(`${name} in`)
        assert.ok(fs.existsSync(netLockFile(p)), 'the lock file is held')
        // The undo path: the same flow takes the lock again without waiting for itself.
        await withNetLock(p, async () => {
          assertNetLock(p, 'nested')
          await sleep(20)
        })
        trace.push(`${name} out`)
        return name
      })
    assert.deepEqual(await Promise.all([flow('a'), flow('b'), flow('c')]), ['a', 'b', 'c'])
    assert.deepEqual(trace, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out'])
    assert.equal(fs.existsSync(netLockFile(p)), false, 'released at the end')
  })

  it('a failing flow releases the lock and the next one runs', async () => {
    const p = paths()
    const failing = withNetLock(p, () => Promise.reject(new Error('boom')))
    const next = withNetLock(p, async () => 'ran')
    await assert.rejects(failing, /boom/)
    assert.equal(await next, 'ran')
  })

  it('waits for a holder in another process (the same lock file) and names it when it gives up', async () => {
    const p = paths()
    fs.mkdirSync(p.state, {recursive: true})
    // A lock taken directly stands for another niso process: the flow must wait for it.
    const other = await acquireLock(netLockFile(p), {command: 'niso activate other'})
    let ran = false
    const waiting = withNetLock(p, async () => {
      ran = true
    })
    await sleep(100)
    assert.equal(ran, false)
    other.release()
    await waiting
    assert.equal(ran, true)

    const stuck = await acquireLock(netLockFile(p), {command: 'niso activate stuck'})
    process.env.NISO_LOCK_TIMEOUT_MS = '150'
    try {
      await assert.rejects(
        withNetLock(p, async () => undefined),
        /net\.lock: held by pid \d+ \(niso activate stuck\)/,
      )
    } finally {
      delete process.env.NISO_LOCK_TIMEOUT_MS
      stuck.release()
    }
  })

  it('staging outside the lock is a programming error', () => {
    assert.throws(() => assertNetLock(paths(), 'attachService'), /attachService: called without the network lock/)
  })
})
