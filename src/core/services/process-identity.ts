/**
 * Who a service's main process runs as and how to join it: pure helpers over `/proc/<pid>/status`
 * text and nsenter's argv.
 */
export interface ProcessIds {
  readonly uid: number
  readonly gid: number
}

/** The effective uid and gid from `/proc/<pid>/status` ("Uid:\treal\teffective\tsaved\tfs"). */
export function parseProcIds(status: string): ProcessIds | undefined {
  const field = (name: string) => /^(\d+)\s+(\d+)/.exec(new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '')
  const uid = field('Uid')
  const gid = field('Gid')
  if (!uid?.[2] || !gid?.[2]) return undefined
  return {uid: Number(uid[2]), gid: Number(gid[2])}
}

/** `/proc/<pid>/environ` (NUL-separated KEY=VALUE) as an environment object. */
export function parseEnviron(environ: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const entry of environ.split('\0')) {
    const eq = entry.indexOf('=')
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
  }
  return env
}

/**
 * nsenter into a process's mount, UTS, IPC and network namespaces (and its PID namespace when it
 * has one of its own: entering it makes nsenter fork and linger as the parent, which neither
 * forwards signals nor gives up the terminal, so it is left out when there is nothing to enter),
 * its root directory and working directory (the unit's WorkingDirectory=, `/app` for niso
 * services), as its uid and gid. `--wd` without a value takes the target's cwd: with a value it
 * would be opened in the caller's view, before the root changes.
 */
export function nsenterArgv(
  pid: number,
  ids: ProcessIds,
  command: readonly string[],
  opts: {readonly pidNamespace?: boolean} = {},
): string[] {
  return [
    'nsenter',
    `--target=${pid}`,
    '--mount',
    '--uts',
    '--ipc',
    '--net',
    ...(opts.pidNamespace ? ['--pid'] : []),
    '--root',
    '--wd',
    `--setgid=${ids.gid}`,
    `--setuid=${ids.uid}`,
    '--',
    ...command,
  ]
}
