import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {describe, it} from 'node:test'

import {NISO_BIN} from '../../helpers/cli.ts'

describe('the CLI in a pipeline', () => {
  it('ends quietly, with status 0, when the reader is gone (niso list | head)', () => {
    // `true` exits at once, so every write of niso's meets a closed pipe (EPIPE).
    const r = spawnSync('bash', ['-c', `"$0" --help | true; echo "\${PIPESTATUS[0]}"`, NISO_BIN], {encoding: 'utf8'})
    assert.equal(r.stdout.trim(), '0', r.stderr)
    assert.equal(r.stderr, '')
  })
})
