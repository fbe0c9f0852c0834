import {type Contribution, type HostView, type RootfsStep, type UnitFragment, execLine} from '@niso/plugin-sdk'

import {NisoError} from '../errors.js'
import {bindFragment} from '../plan/binds.js'

/** Where the tools appear inside the rootfs of a service with a hostname of its own. */
const UNSHARE = '/usr/lib/niso/unshare'
const NSENTER = '/usr/lib/niso/nsenter'
const HOSTNAME = '/usr/lib/niso/hostname'
const SOURCE = 'niso (hostname)'

/**
 * The service's hostname, as `docker run --hostname` gives it. ProtectHostname=yes puts the
 * service in a UTS namespace of its own, but systemd 252 copies the host's name into it and has
 * no setting for another (ProtectHostname=private arrived in 257), and the service cannot set it
 * itself (no CAP_SYS_ADMIN; the preset's seccomp filter refuses sethostname). So a privileged
 * `ExecStartPost=+` enters the main process's UTS namespace and names it. It runs right after the
 * main process starts and before the start gate probes it: the process may read the host's name
 * only in its first milliseconds, before any peer can reach it. `+` commands still run under
 * RootDirectory=, without the /proc the service gets, hence the tools bound into the rootfs and
 * `unshare --mount-proc` (a procfs in the command's own mount namespace, where nsenter finds the
 * main process). "-": a command that is already gone (a quick `niso run`) has no name to set, and
 * that must not fail its start.
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

/** Both, as host contributions (merged like the start gate's, and listed before it). */
export async function hostnameContributions(hostname: string, host: HostView): Promise<Contribution[]> {
  const steps = await hostnameRootfs(host)
  return [
    {phase: 'host', source: SOURCE, fragment: hostnameUnit(hostname)},
    {phase: 'host', source: SOURCE, fragment: bindFragment(steps, SOURCE)},
  ]
}
