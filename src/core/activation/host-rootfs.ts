import type {Manifest, RootfsStep} from '@niso/plugin-sdk'

/** Directories every rootfs has: API filesystem mount points, private temp dirs, /etc, /usr, /home. */
const SKELETON_DIRS = ['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/etc', '/usr', '/home']

/**
 * What every service's rootfs gets from the host besides the package at /app (a unit bind of the
 * host base): API mount points, name resolution, CA certificates, the timezone, and minimal
 * passwd/group files so libraries that look up users find root and nobody. On a network whose
 * backend provides /etc/hosts (the peers, kept up to date), that one is left out.
 */
export function hostRootfs(m: Readonly<Manifest>, opts: {readonly hostsFromNetwork?: boolean} = {}): RootfsStep[] {
  const hostname = m.network?.hostname ?? m.package.name.replace(/^@/, '').replaceAll('/', '-')
  return [
    ...SKELETON_DIRS.map((target): RootfsStep => ({
      kind: 'mkdir',
      target,
      ...(target.endsWith('tmp') ? {mode: 0o1777} : {}),
    })),
    {kind: 'bind-ro', host: '/etc/resolv.conf', target: '/etc/resolv.conf', optional: true},
    {kind: 'bind-ro', host: '/etc/ssl/certs', target: '/etc/ssl/certs', optional: true},
    {kind: 'bind-ro', host: '/usr/share/ca-certificates', target: '/usr/share/ca-certificates', optional: true},
    {kind: 'bind-ro', host: '/etc/localtime', target: '/etc/localtime', optional: true},
    ...(opts.hostsFromNetwork
      ? []
      : [
          {
            kind: 'file',
            target: '/etc/hosts',
            content: `127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t${hostname}\n`,
          } satisfies RootfsStep,
        ]),
    {
      kind: 'file',
      target: '/etc/passwd',
      content: 'root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    },
    {kind: 'file', target: '/etc/group', content: 'root:x:0:\nnogroup:x:65534:\n'},
    {
      kind: 'file',
      target: '/etc/nsswitch.conf',
      content: 'passwd: files systemd\ngroup: files systemd\nhosts: files dns\n',
    },
  ]
}

/** Whether a network contribution brings its own /etc/hosts. */
export function providesHosts(network: {readonly rootfs?: readonly RootfsStep[]} | undefined): boolean {
  return network?.rootfs?.some((step) => step.target === '/etc/hosts') ?? false
}
