import {
  type Contribution,
  type HostView,
  type MergedUnit,
  type RootfsStep,
  type UnitFragment,
  execLine,
} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {bindFragment} from './binds.js'

/** Where the tools appear inside the rootfs of a service with a hostname of its own. */
const UNSHARE = '/usr/lib/niso/unshare'
const NSENTER = '/usr/lib/niso/nsenter'
const HOSTNAME = '/usr/lib/niso/hostname'
const SH = '/usr/lib/niso/sh'
const AWAIT = '/usr/lib/niso/await-hostname'
const SOURCE = 'niso (hostname)'

/**
 * The service's hostname, as `docker run --hostname` gives it. ProtectHostname=yes puts the
 * service in a UTS namespace of its own, but systemd 252 copies the host's name into it and has
 * no setting for another (ProtectHostname=private arrived in 257), and the service cannot set it
 * itself (no CAP_SYS_ADMIN; the preset's seccomp filter refuses sethostname). So a privileged
 * `ExecStartPost=+` enters the main process's UTS namespace and names it. It runs right after the
 * main process starts and before the start gate probes it; the main process waits for it (see
 * `awaitHostname`). `+` commands still run under RootDirectory=, without the /proc the service
 * gets, hence the tools bound into the rootfs and `unshare --mount-proc` (a procfs in the
 * command's own mount namespace, where nsenter finds the main process). "-": a command that is
 * already gone (a quick `niso run`) has no name to set, and that must not fail its start.
 */
function hostnameUnit(hostname: string): UnitFragment {
  const enter = `${execLine([UNSHARE, '--mount-proc', NSENTER])} --target=\${MAINPID} ${execLine(['--uts', HOSTNAME, hostname])}`
  return {Service: {ProtectHostname: 'yes', ExecStartPost: [`-+${enter}`]}}
}

async function hostnameRootfs(host: HostView): Promise<RootfsStep[]> {
  const tools = [
    {name: 'unshare', target: UNSHARE, from: 'util-linux'},
    {name: 'nsenter', target: NSENTER, from: 'util-linux'},
    {name: 'hostname', target: HOSTNAME, from: 'hostname'},
    {name: 'sh', target: SH, from: 'dash'},
  ]
  const found: string[] = []
  for (const tool of tools) {
    const path = await host.probe.findExecutable(tool.name)
    if (path === undefined) {
      throw new NisoError(
        'E_HOSTNAME_TOOLS',
        `cannot give the service its hostname: ${tool.name} is not on this host (install the ${tool.from} package)`,
      )
    }
    found.push(path)
  }
  const libraries = await host.probe.libraryClosure(found)
  return [
    ...tools.map((tool, i): RootfsStep => ({kind: 'bind-ro', host: found[i] as string, target: tool.target})),
    ...libraries.map((lib): RootfsStep => ({kind: 'bind-ro', host: lib, target: lib})),
  ]
}

/**
 * Up to this many reads of the name (a millisecond or so each: a second or more in all) before
 * the command runs anyway: the naming step failed (it is allowed to) or the host is overloaded.
 */
const AWAIT_READS = 1000

/** The script the main process starts with (its name from the bound tool: ProcSubset=pid hides /proc/sys). */
const AWAIT_SCRIPT = `# niso: runs the service's command once its UTS namespace has the service's hostname.
# usage: sh ${AWAIT} HOSTNAME COMMAND [ARG...]
want=$1
shift
n=0
while [ "$n" -lt ${AWAIT_READS} ] && [ "$(${HOSTNAME})" != "$want" ]; do
  n=$((n + 1))
done
exec "$@"
`

/**
 * The service's ExecStart=, held until the naming step has run: a shell (the main process, so
 * the step names its namespace) reads the name until it is the service's, then execs the command
 * in place (same PID). Without it, a program that reads its hostname first thing (a Go or C
 * server that logs or caches it) would see the host's, since the step runs alongside it. Only
 * for Type=exec and simple, where the step runs once the main process has started; with notify
 * or forking systemd runs it once the service is ready, so the command is left as it is.
 */
export function awaitHostname(unit: MergedUnit, hostname: string): MergedUnit {
  const {ExecStart: execStart, Type: type} = unit.Service
  if (execStart === undefined || (type !== undefined && type !== 'exec' && type !== 'simple')) return unit
  const wrapper = [SH, AWAIT, hostname]
  return {...unit, Service: {...unit.Service, ExecStart: held(execStart, wrapper)}}
}

/** An argv, or a command line (after its prefixes: "-" and the like apply to the wrapper too). */
function held(execStart: string | readonly string[], wrapper: readonly string[]): string | string[] {
  if (typeof execStart !== 'string') return [...wrapper, ...execStart]
  const [, prefix = '', command = ''] = /^([-:!+@]*)(.*)$/s.exec(execStart) ?? []
  if (prefix.includes('@')) {
    throw new NisoError('E_UNIT_COMMAND', `ExecStart=${execStart}: the "@" prefix cannot be combined with a hostname`)
  }
  return `${prefix}${execLine(wrapper)} ${command}`
}

/** What a hostname adds to the unit: host contributions (listed before the start gate's), and the script. */
export interface HostnamePlan {
  readonly contributions: readonly Contribution[]
  readonly rootfs: readonly RootfsStep[]
}

export async function planHostname(hostname: string, host: HostView): Promise<HostnamePlan> {
  const steps = await hostnameRootfs(host)
  return {
    contributions: [
      {phase: 'host', source: SOURCE, fragment: hostnameUnit(hostname)},
      {phase: 'host', source: SOURCE, fragment: bindFragment(steps, SOURCE)},
    ],
    rootfs: [{kind: 'file', target: AWAIT, content: AWAIT_SCRIPT, mode: 0o644}],
  }
}
