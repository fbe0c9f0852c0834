import {spawnSync} from 'node:child_process'
import fs from 'node:fs'

import {MACHINE_PATH} from './exec.js'

/**
 * Why `niso machine` cannot run here, or undefined when it can: Linux, root, util-linux's
 * unshare and nsenter, systemd installed, and the kernel letting us create every namespace the
 * machine needs (a container without CAP_SYS_ADMIN does not).
 */
export function machineUnsupportedReason(): string | undefined {
  if (process.platform !== 'linux') return 'niso machine needs Linux'
  if (process.getuid?.() !== 0) return 'niso machine needs root'
  if (!fs.existsSync('/lib/systemd/systemd')) return 'systemd is not installed (/lib/systemd/systemd)'
  const r = spawnSync('unshare', ['--pid', '--fork', '--mount', '--uts', '--ipc', '--net', '--cgroup', 'true'], {
    env: {PATH: MACHINE_PATH},
    encoding: 'utf8',
    timeout: 10_000,
  })
  if (r.error) return `cannot run unshare (${r.error.message})`
  if (r.status !== 0) return `unshare cannot create namespaces here: ${r.stderr.trim().split('\n')[0] ?? ''}`
  return undefined
}
