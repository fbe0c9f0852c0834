import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {baseline, healthLabel, nextHealth} from '../../../dist/core/services/health-state.js'

const at = (iso: string) => new Date(iso)
const rec = (
  status: 'healthy' | 'unhealthy' | 'starting',
  failures: number,
  lastCheck = '2026-11-23T10:00:10.000Z',
) => ({
  status,
  failures,
  lastCheck,
})
const started = at('2026-11-23T10:00:00.000Z')

describe('health state machine', () => {
  it('a pass is healthy and resets the counter, whatever came before', () => {
    assert.deepEqual(nextHealth(rec('unhealthy', 2), true, 3, started), {status: 'healthy', failures: 0, act: false})
    assert.deepEqual(nextHealth(undefined, true, 3), {status: 'healthy', failures: 0, act: false})
  })

  it('counts consecutive failures and stays healthy until `retries` of them', () => {
    const one = nextHealth(rec('healthy', 0), false, 3, started)
    assert.deepEqual(one, {status: 'healthy', failures: 1, act: false})
    const two = nextHealth(rec(one.status, one.failures), false, 3, started)
    assert.deepEqual(two, {status: 'healthy', failures: 2, act: false})
  })

  it('acts at the `retries`-th failure, recording unhealthy with the counter reset', () => {
    assert.deepEqual(nextHealth(rec('healthy', 2), false, 3, started), {status: 'unhealthy', failures: 0, act: true})
    assert.deepEqual(nextHealth(undefined, false, 1, started), {status: 'unhealthy', failures: 0, act: true})
    // retries 0 would act on every check; it means 1.
    assert.deepEqual(nextHealth(undefined, false, 0), {status: 'unhealthy', failures: 0, act: true})
  })

  it('forgets failures recorded before the running instance started (its start gate passed since)', () => {
    const stale = rec('healthy', 2, '2026-11-23T09:59:59.000Z')
    assert.equal(baseline(stale, started), undefined)
    assert.deepEqual(nextHealth(stale, false, 3, started), {status: 'healthy', failures: 1, act: false})
    assert.deepEqual(baseline(rec('healthy', 2), started), rec('healthy', 2))
    assert.deepEqual(baseline(rec('healthy', 2), undefined), rec('healthy', 2))
  })
})

describe('HEALTH column', () => {
  it('is `running` without a [healthcheck] and `-` when the service does not run', () => {
    assert.equal(healthLabel({activeState: 'active', hasCheck: false}), 'running')
    assert.equal(healthLabel({activeState: 'failed', hasCheck: true, record: rec('unhealthy', 0)}), '-')
    assert.equal(healthLabel({activeState: 'inactive', hasCheck: false}), '-')
  })

  it('is `starting` while the start gate runs', () => {
    assert.equal(healthLabel({activeState: 'activating', hasCheck: true}), 'starting')
    assert.equal(healthLabel({activeState: 'activating', hasCheck: false}), '-')
  })

  it("shows the last check when it is about the running instance, else the gate's pass", () => {
    assert.equal(
      healthLabel({activeState: 'active', hasCheck: true, record: rec('unhealthy', 0), activeSince: started}),
      'unhealthy',
    )
    const before = rec('unhealthy', 0, '2026-11-23T09:00:00.000Z')
    assert.equal(healthLabel({activeState: 'active', hasCheck: true, record: before, activeSince: started}), 'healthy')
    assert.equal(healthLabel({activeState: 'active', hasCheck: true}), 'healthy')
  })
})
