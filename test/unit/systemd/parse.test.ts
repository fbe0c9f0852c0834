import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {journalArgs} from '../../../dist/system/systemd/journal.js'
import {reloadNeeded} from '../../../dist/system/systemd/load-units.js'
import {
  parseCount,
  parseListUnits,
  parseShow,
  parseTimestamp,
  splitShowBlocks,
  toUnitStatus,
} from '../../../dist/system/systemd/systemctl.js'

// Real `systemctl show --timestamp=unix` output from systemd 252 in a niso machine.
const SHOW = `MainPID=119
NRestarts=0
MemoryCurrent=9666560
CPUUsageNSec=[not set]
TasksCurrent=1
Id=systemd-journald.service
ActiveEnterTimestamp=@1795441198
InvocationID=ec9d348b75c14303bd14fbbc7ae156b7
ExecMainCode=0
ExecMainStatus=0
LoadState=loaded
ActiveState=active
SubState=running
Result=success
UnitFileState=static
FragmentPath=/lib/systemd/system/systemd-journald.service
Environment=A=1 B=2
`

describe('systemctl output', () => {
  it('splits Key=Value lines at the first "="', () => {
    const p = parseShow(SHOW)
    assert.equal(p.Environment, 'A=1 B=2')
    assert.equal(p.CPUUsageNSec, '[not set]')
    assert.equal(Object.keys(p).length, 17)
  })

  it('types a unit status', () => {
    const p = parseShow(SHOW) as Parameters<typeof toUnitStatus>[0]
    assert.deepEqual(toUnitStatus(p), {
      id: 'systemd-journald.service',
      loadState: 'loaded',
      activeState: 'active',
      subState: 'running',
      result: 'success',
      unitFileState: 'static',
      fragmentPath: '/lib/systemd/system/systemd-journald.service',
      mainPid: 119,
      nRestarts: 0,
      execMainCode: 0,
      execMainStatus: 0,
      memoryCurrent: 9666560,
      cpuUsageNSec: undefined,
      tasksCurrent: 1,
      activeEnterTimestamp: new Date(1795441198 * 1000),
      invocationId: 'ec9d348b75c14303bd14fbbc7ae156b7',
    })
  })

  it('reads unset counters and timestamps as undefined', () => {
    assert.deepEqual(['', '[not set]', '18446744073709551615', '42', '-1'].map(parseCount), [
      undefined,
      undefined,
      undefined,
      42,
      undefined,
    ])
    assert.deepEqual(['', 'n/a', '@0', '@12'].map(parseTimestamp), [undefined, undefined, undefined, new Date(12000)])
  })

  it('parses list-units --output=json', () => {
    const text =
      '[{"unit":"a.service","load":"loaded","active":"active","sub":"running","description":"A"},{"unit":"b.socket","load":"loaded","active":"inactive","sub":"dead","description":"B"}]'
    assert.deepEqual(
      parseListUnits(text).map((u) => [u.unit, u.active, u.sub]),
      [
        ['a.service', 'active', 'running'],
        ['b.socket', 'inactive', 'dead'],
      ],
    )
    assert.deepEqual(parseListUnits(''), [])
  })
})

describe('systemctl show of several units', () => {
  it('splits the output into one record per unit, in the order they were named', () => {
    const text = 'LoadState=loaded\nNeedDaemonReload=no\n\nLoadState=not-found\nNeedDaemonReload=no\n'
    assert.deepEqual(splitShowBlocks(text), [
      {LoadState: 'loaded', NeedDaemonReload: 'no'},
      {LoadState: 'not-found', NeedDaemonReload: 'no'},
    ])
  })
})

describe('whether systemd must reload for units niso wrote', () => {
  // `systemctl show --property=LoadState,NeedDaemonReload a b …` as systemd 252 prints it.
  const show = (...states: [string, string][]) =>
    splitShowBlocks(states.map(([load, need]) => `LoadState=${load}\nNeedDaemonReload=${need}\n`).join('\n'))
  const none = () => false

  it('needs none when every unit is loaded from its current file or has no file and is not held', () => {
    assert.equal(reloadNeeded(['a', 'b'], show(['loaded', 'no'], ['not-found', 'no']), none), false)
  })

  it('needs one when a unit changed or went away under systemd, or cannot be loaded', () => {
    assert.equal(reloadNeeded(['a'], show(['loaded', 'yes']), none), true)
    assert.equal(reloadNeeded(['a'], show(['bad-setting', 'no']), none), true)
    assert.equal(reloadNeeded(['a'], show(['masked', 'no']), none), true)
  })

  it('needs one when systemd did not find a unit whose file is there, or the output does not match', () => {
    assert.equal(
      reloadNeeded(['a'], show(['not-found', 'no']), (u) => u === 'a'),
      true,
    )
    assert.equal(reloadNeeded(['a', 'b'], show(['loaded', 'no']), none), true)
  })
})

describe('journalctl arguments', () => {
  it('builds queries: units, line counts, since/until, follow', () => {
    assert.deepEqual(journalArgs({units: ['a.service'], lines: 20}), [
      '--no-pager',
      '--quiet',
      '--output=cat',
      '--unit=a.service',
      '--lines=20',
    ])
    assert.deepEqual(journalArgs({since: new Date(1_700_000_000_500), until: 'today', output: 'short-iso'}, true), [
      '--no-pager',
      '--quiet',
      '--output=short-iso',
      '--since=@1700000000',
      '--until=today',
      '--follow',
    ])
  })
})
