import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {describe, it} from 'node:test'

import {BOOT_SCRIPT, MASKED_UNITS} from '../../../dist/system/machine/boot-script.js'

describe('machine boot script', () => {
  it('is valid POSIX sh and refuses an unknown stage without touching anything', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-boot-'))
    try {
      const file = path.join(dir, 'boot.sh')
      fs.writeFileSync(file, BOOT_SCRIPT, {mode: 0o755})
      const syntax = spawnSync('/bin/sh', ['-n', file], {encoding: 'utf8'})
      assert.equal(syntax.status, 0, syntax.stderr)
      const usage = spawnSync('/bin/sh', [file, 'bogus'], {encoding: 'utf8'})
      assert.equal(usage.status, 2)
      assert.match(usage.stderr, /usage: .* enter\|init/)
    } finally {
      fs.rmSync(dir, {recursive: true, force: true})
    }
  })

  it('never mounts the host /dev or /sys/fs/cgroup into the machine, and execs systemd last', () => {
    assert.doesNotMatch(BOOT_SCRIPT, /--r?bind \/dev|--r?bind \/sys/)
    assert.match(BOOT_SCRIPT, /unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup/)
    assert.match(
      BOOT_SCRIPT,
      /exec env -i container=niso \/lib\/systemd\/systemd --system --unit="\$NISO_MACHINE_TARGET"\n$/,
    )
  })

  it('masks units that would change the host kernel or wait for consoles and networks', () => {
    for (const u of [
      'systemd-sysctl.service',
      'systemd-timesyncd.service',
      'getty@.service',
      'systemd-networkd-wait-online.service',
    ]) {
      assert.ok(MASKED_UNITS.includes(u), u)
    }
    assert.equal(new Set(MASKED_UNITS).size, MASKED_UNITS.length)
  })
})
