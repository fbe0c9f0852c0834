import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {parseMountinfo, parseProcCgroup, planCgroups} from '../../../dist/system/machine/cgroups.js'

// This project's VMs: systemd 252's hybrid layout, v1 controllers each on its own hierarchy, the
// caller's memory cgroup nested, and a controller-less v2 at /sys/fs/cgroup/unified.
const HYBRID_MOUNTS = `27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`
const HYBRID_CGROUP = `9:name=systemd:/
4:memory:/process_api/abc
1:cpu:/
0::/
`

describe('machine cgroups', () => {
  it('parses mountinfo, unescaping octal escapes in paths', () => {
    const m = parseMountinfo('50 1 0:1 /a\\040b /mnt/x\\040y rw,relatime shared:1 - cgroup cgroup rw,cpu,cpuacct\n')
    assert.deepEqual(m, [
      {root: '/a b', mountPoint: '/mnt/x y', fsType: 'cgroup', superOptions: ['rw', 'cpu', 'cpuacct']},
    ])
  })

  it('parses /proc/self/cgroup, v2 as hierarchy 0 with no controllers', () => {
    assert.deepEqual(parseProcCgroup(HYBRID_CGROUP), [
      {id: 9, controllers: ['name=systemd'], path: '/'},
      {id: 4, controllers: ['memory'], path: '/process_api/abc'},
      {id: 1, controllers: ['cpu'], path: '/'},
      {id: 0, controllers: [], path: '/'},
    ])
  })

  it('plans a hybrid host: nested under the caller, each hierarchy mounted from inside', () => {
    const plan = planCgroups('m1', parseProcCgroup(HYBRID_CGROUP), parseMountinfo(HYBRID_MOUNTS), () => false)
    assert.equal(plan.layout, 'hybrid')
    assert.deepEqual(plan.hierarchies, [
      {
        hostDir: '/sys/fs/cgroup/systemd/niso-machine-m1',
        mountDir: 'systemd',
        fsType: 'cgroup',
        options: 'none,name=systemd',
        aliases: [],
      },
      {
        hostDir: '/sys/fs/cgroup/memory/process_api/abc/niso-machine-m1',
        mountDir: 'memory',
        fsType: 'cgroup',
        options: 'memory',
        aliases: [],
      },
      {hostDir: '/sys/fs/cgroup/cpu/niso-machine-m1', mountDir: 'cpu', fsType: 'cgroup', options: 'cpu', aliases: []},
      {
        hostDir: '/sys/fs/cgroup/unified/niso-machine-m1',
        mountDir: 'unified',
        fsType: 'cgroup2',
        options: '',
        aliases: [],
      },
    ])
  })

  it('plans a unified host below the root, where v2 can delegate controllers', () => {
    const mounts = parseMountinfo('30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n')
    const plan = planCgroups('m2', parseProcCgroup('0::/user.slice/session-1.scope\n'), mounts, () => true)
    assert.deepEqual(plan, {
      layout: 'unified',
      hierarchies: [
        {hostDir: '/sys/fs/cgroup/niso-machine-m2', mountDir: '.', fsType: 'cgroup2', options: '', aliases: []},
      ],
    })
  })

  it('mounts co-mounted v1 controllers once, with a symlink per controller', () => {
    const mounts = parseMountinfo(
      '31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n',
    )
    const plan = planCgroups('m3', parseProcCgroup('2:cpu,cpuacct:/x\n'), mounts, () => false)
    assert.deepEqual(plan, {
      layout: 'legacy',
      hierarchies: [
        {
          hostDir: '/sys/fs/cgroup/cpu,cpuacct/x/niso-machine-m3',
          mountDir: 'cpu,cpuacct',
          fsType: 'cgroup',
          options: 'cpu,cpuacct',
          aliases: ['cpu', 'cpuacct'],
        },
      ],
    })
  })

  it('skips hierarchies that are not mounted or whose mount does not reach the caller', () => {
    const mounts = parseMountinfo('32 31 0:29 /sub /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n')
    const plan = planCgroups('m4', parseProcCgroup('3:pids:/other\n5:memory:/\n'), mounts, () => false)
    assert.deepEqual(plan.hierarchies, [])
  })
})
