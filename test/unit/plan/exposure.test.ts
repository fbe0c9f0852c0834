import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {effectiveScore, exposureOf, exposureText, parseSecurityReport} from '../../../dist/core/unit/exposure.js'
import {exposureScore} from '../../../dist/system/security-score.js'

const SAMPLE = `  NAME                                  DESCRIPTION                                   EXPOSURE
✓ SystemCallFilter=~@swap               System call allow list defined for service
✗ RestrictAddressFamilies=~AF_UNIX      Service may allocate local sockets                  0.1
✗ PrivateNetwork=                       Service has access to the host's network            0.5
✓ RootDirectory=/RootImage=             Service has its own root directory/image

→ Overall exposure level for niso-web.service: 1.0 OK 🙂
`

const HARDENED = `[Service]
ExecStart=/app/bin/x
DynamicUser=yes
RootDirectory=/opt/niso/rootfs/x
ProtectSystem=strict
PrivateUsers=yes
`

describe('parseSecurityReport', () => {
  it('reads the overall score and every check', () => {
    const r = parseSecurityReport(SAMPLE)
    assert.equal(r.score, 1)
    assert.equal(r.label, 'OK')
    assert.deepEqual(
      r.checks.map((c) => [c.name, c.ok, c.exposure]),
      [
        ['SystemCallFilter=~@swap', true, 0],
        ['RestrictAddressFamilies=~AF_UNIX', false, 0.1],
        ['PrivateNetwork=', false, 0.5],
        ['RootDirectory=/RootImage=', true, 0],
      ],
    )
    assert.throws(() => parseSecurityReport('nothing here'), /no overall exposure/)
  })
})

describe('effectiveScore', () => {
  it("credits niso's network namespace only when the unit joins one", () => {
    const report = parseSecurityReport(SAMPLE)
    assert.deepEqual(effectiveScore(report, '[Service]\nNetworkNamespacePath=/run/netns/niso-web\n'), {
      score: 0.5,
      credited: ['PrivateNetwork= (niso network namespace)'],
    })
    assert.deepEqual(effectiveScore(report, '[Service]\nExecStart=/x\n'), {score: 1, credited: []})
  })
})

describe('exposureText', () => {
  it('shows the score, the budget and what the effective score credits', () => {
    const report = parseSecurityReport(SAMPLE)
    assert.equal(
      exposureText(exposureOf(report, '[Service]\nNetworkNamespacePath=/run/netns/niso-web\n', 1)),
      '1.0 OK (preset budget 1.0); effective 0.5 (credits PrivateNetwork= (niso network namespace))',
    )
    assert.equal(exposureText(exposureOf(report, '[Service]\n')), '1.0 OK; effective 1.0 (nothing to credit)')
  })
})

describe('exposureScore (systemd-analyze, offline)', () => {
  it('scores a unit text and ranks a hardened unit below a bare one', async () => {
    const bare = await exposureScore('[Service]\nExecStart=/app/bin/x\n')
    const hardened = await exposureScore(HARDENED, 'niso-x.service')
    assert.equal(bare.label, 'UNSAFE')
    assert.ok(bare.score > 9, `bare unit scored ${bare.score}`)
    assert.ok(hardened.score < bare.score, `hardened ${hardened.score} vs bare ${bare.score}`)
    assert.ok(hardened.checks.some((c) => c.name === 'User=/DynamicUser=' && c.ok))
  })

  it('names the unit when systemd-analyze cannot read it', async () => {
    await assert.rejects(exposureScore('[Service]\nExecStart=/x\n', 'not-a-unit-name'), {
      code: 'E_EXPOSURE',
      message: /^cannot score not-a-unit-name with systemd-analyze: /,
    })
  })
})
