import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {serviceLayout} from '../../../dist/core/activation/layout.js'
import {nisoPaths} from '../../../dist/core/paths.js'
import {formatCpu, formatUptime} from '../../../dist/core/services/format.js'
import {nsenterArgv, parseEnviron, parseProcIds} from '../../../dist/core/services/process-identity.js'
import {detailLines} from '../../../dist/core/services/status-view.js'
import {parseTimeout} from '../../../dist/core/services/timeout.js'
import {versionOfUnitTarget} from '../../../dist/core/services/unit-link.js'
import {withLiveColumns} from '../../../dist/system/services/live-status.js'
import {splitShowBlocks} from '../../../dist/system/systemd/systemctl.js'

// /proc/<pid>/status of a DynamicUser service (systemd 252), trimmed.
const STATUS = `Name:\tpython3
Umask:\t0022
State:\tS (sleeping)
Tgid:\t158
Pid:\t158
PPid:\t1
Uid:\t64748\t64749\t64748\t64748
Gid:\t64750\t64751\t64750\t64750
FDSize:\t64
Groups:\t64748
`

describe('process identity', () => {
  it('reads the effective uid and gid from /proc/<pid>/status', () => {
    assert.deepEqual(parseProcIds(STATUS), {uid: 64749, gid: 64751})
    assert.equal(parseProcIds('Name:\tx\n'), undefined)
  })

  it('parses /proc/<pid>/environ, keeping "=" inside values', () => {
    assert.deepEqual(parseEnviron('A=1\0B=x=y\0\0EMPTY=\0junk\0'), {A: '1', B: 'x=y', EMPTY: ''})
  })

  it('enters the namespaces, the root and the cwd of the target, as its ids; the PID namespace only when asked', () => {
    assert.deepEqual(nsenterArgv(158, {uid: 64749, gid: 64751}, ['id', '-u']), [
      'nsenter',
      '--target=158',
      '--mount',
      '--uts',
      '--ipc',
      '--net',
      '--root',
      '--wd',
      '--setgid=64751',
      '--setuid=64749',
      '--',
      'id',
      '-u',
    ])
    assert.deepEqual(nsenterArgv(9, {uid: 1, gid: 2}, ['true'], {pidNamespace: true}).slice(5, 8), [
      '--net',
      '--pid',
      '--root',
    ])
  })
})

describe('live unit link', () => {
  const service = serviceLayout(nisoPaths('/srv/n'), '@acme/api')
  it("names the version of this app's version directory it points at", () => {
    assert.equal(versionOfUnitTarget(service, '/srv/n/opt/niso/rootfs/@acme/api/1.2.0/niso-acme-api.service'), '1.2.0')
  })
  it('is undefined for anything else', () => {
    assert.equal(
      versionOfUnitTarget(service, '/srv/n/opt/niso/rootfs/@acme/web/1.2.0/niso-acme-api.service'),
      undefined,
    )
    assert.equal(versionOfUnitTarget(service, '/srv/n/opt/niso/rootfs/@acme/api/1.2.0/other.service'), undefined)
    assert.equal(versionOfUnitTarget(service, '/lib/systemd/system/niso-acme-api.service'), undefined)
  })
})

describe('formats', () => {
  it('uptime', () => {
    assert.deepEqual([0, 59, 60, 3599, 3600, 3660 + 5, 86_399, 90_000, 200_000].map(formatUptime), [
      '0s',
      '59s',
      '1m',
      '59m',
      '1h00m',
      '1h01m',
      '23h59m',
      '1d01h',
      '2d07h',
    ])
    assert.deepEqual([null, undefined, -1, Number.NaN].map(formatUptime), ['-', '-', '-', '-'])
  })

  it('cpu time from nanoseconds', () => {
    assert.deepEqual([0, 849_600_000, 12_340_000_000, 247_000_000_000, 7_500_000_000_000].map(formatCpu), [
      '0ms',
      '850ms',
      '12.3s',
      '4m07s',
      '2h05m',
    ])
    assert.equal(formatCpu(null), '-')
  })

  it('--timeout: durations or plain seconds', () => {
    assert.deepEqual(
      ['45', '90s', '2m', '1m30s', '500ms', ' 3s '].map(parseTimeout),
      [45_000, 90_000, 120_000, 90_000, 500, 3000],
    )
    assert.deepEqual(['', '1.5s', '2 minutes', '-3s', 's'].map(parseTimeout), [
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ])
  })
})

describe('systemctl show for several units', () => {
  it('splits one block per unit, in order, and tolerates a trailing blank line', () => {
    const blocks = splitShowBlocks('Id=a.service\nActiveState=active\n\nId=b.service\nActiveState=failed\nX=1=2\n\n')
    assert.deepEqual(blocks, [
      {Id: 'a.service', ActiveState: 'active'},
      {Id: 'b.service', ActiveState: 'failed', X: '1=2'},
    ])
    assert.deepEqual(splitShowBlocks(''), [])
  })
})

describe('list columns from systemd', () => {
  type Row = {
    name: string
    status: string
    live?: {state: string; health: string; uptimeSeconds: number | null; memoryBytes: number | null}
  }
  const columns = [
    {header: 'NAME', value: (r: Row) => r.name},
    {header: 'STATUS', value: (r: Row) => r.status},
    {header: 'ARCH', value: () => 'x86_64'},
  ]
  const active: Row = {
    name: 'api',
    status: 'active',
    live: {state: 'active (running)', health: 'healthy', uptimeSeconds: 125, memoryBytes: 2_500_000},
  }
  const installed: Row = {name: 'api', status: 'installed'}

  it("adds HEALTH, UPTIME and MEMORY after STATUS, which shows systemd's state", () => {
    const cols = withLiveColumns(columns, true)
    assert.deepEqual(
      cols.map((c) => c.header),
      ['NAME', 'STATUS', 'HEALTH', 'UPTIME', 'MEMORY', 'ARCH'],
    )
    assert.deepEqual(
      cols.map((c) => c.value(active)),
      ['api', 'active (running)', 'healthy', '2m', '2.5 MB', 'x86_64'],
    )
    assert.deepEqual(
      cols.map((c) => c.value(installed)),
      ['api', 'installed', '-', '-', '-', 'x86_64'],
    )
  })

  it('leaves the columns alone without a reachable systemd', () => {
    assert.deepEqual(
      withLiveColumns(columns, false).map((c) => c.header),
      ['NAME', 'STATUS', 'ARCH'],
    )
  })
})

describe('status detail', () => {
  it('prints the headline, aligned fields and the last log lines', () => {
    const lines = detailLines(
      {
        name: 'api',
        version: '2.0.0',
        previousVersion: '1.0.0',
        unit: 'niso-api.service',
        status: 'active (running)',
        health: 'healthy',
        healthFailures: 1,
        healthDetail: 'HTTP 503',
        healthCheckedAt: '2026-11-23T10:00:00.000Z',
        mainPid: 4242,
        uptimeSeconds: 3725,
        memoryBytes: 12_300_000,
        tasks: 7,
        cpuNSec: 1_500_000_000,
        restarts: 0,
        enabled: 'enabled',
        journal: ['a', 'b'],
      },
      new Date('2026-11-23T10:00:42.000Z'),
    )
    assert.deepEqual(lines, [
      'api 2.0.0: active (running), healthy',
      '  unit      niso-api.service (enabled)',
      '  status    active (running)',
      '  version   2.0.0, previous 1.0.0',
      '  health    healthy, 1 failed probe(s) in a row (last check 42s ago: HTTP 503)',
      '  main pid  4242',
      '  uptime    1h02m',
      '  memory    12.3 MB',
      '  tasks     7',
      '  cpu       1.5s',
      '  restarts  0',
      '  last 2 log line(s):',
      '    a',
      '    b',
    ])
  })
})
