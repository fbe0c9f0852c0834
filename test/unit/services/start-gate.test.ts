import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import path from 'node:path'
import {describe, it} from 'node:test'

const GATE = path.join(import.meta.dirname, '../../../dist/health-gate/wait-healthy.js')

/**
 * Runs the start gate as systemd would (MAINPID in its environment, or not), probing a closed
 * port. Asynchronously: this process must go on reaping its children (a zombie still counts).
 */
async function gate(mainPid: string | undefined, budgetMs = 3000) {
  const env: NodeJS.ProcessEnv = {...process.env}
  delete env.MAINPID
  if (mainPid !== undefined) env.MAINPID = mainPid
  const started = Date.now()
  const child = spawn(process.execPath, [GATE, `${budgetMs},100,200`, 'tcp', '127.0.0.1', '9'], {env})
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
  return {code, stderr, ms: Date.now() - started}
}

describe('start gate (wait-healthy.js)', () => {
  it('gives up at once when the main process was gone before it started (systemd unset MAINPID)', async () => {
    const r = await gate(undefined)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /^niso: main process exited before the start gate ran, never healthy: tcp 127\.0\.0\.1 9: /)
    assert.ok(r.ms < 2500, `waited ${r.ms} ms`)
  })

  it('gives up when the main process exits while it waits, and waits out the budget while it runs', async () => {
    const child = spawn('sleep', ['0.5'])
    const exited = await gate(String(child.pid))
    assert.match(exited.stderr, new RegExp(`^niso: main process ${child.pid} exited after [\\d.]+s, never healthy`))
    const alive = spawn('sleep', ['30'])
    try {
      const waited = await gate(String(alive.pid), 1000)
      assert.match(waited.stderr, /^niso: not healthy after 1s: tcp 127\.0\.0\.1 9: /)
    } finally {
      alive.kill()
    }
  })
})
