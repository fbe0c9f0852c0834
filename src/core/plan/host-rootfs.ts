import {APP_DIR, type Manifest, type RootfsStep} from '@niso/plugin-sdk'

/**
 * What every service's rootfs gets from the host: mount points for the API filesystems, the
 * package at /app, name resolution, CA certificates, the time zone, and minimal passwd/group
 * files (root and nobody; systemd's NSS module resolves the dynamic user).
 */
export function hostRootfs(manifest: Readonly<Manifest>, packageDir: string): RootfsStep[] {
  const hostname = manifest.network?.hostname ?? manifest.package.name.replace(/^@/, '').replace('/', '-')
  return [
    ...['/proc', '/sys', '/dev', '/run', '/tmp', '/var/tmp', '/etc', '/usr', '/home'].map((target): RootfsStep => ({
      kind: 'mkdir',
      target,
      ...(target.endsWith('tmp') ? {mode: 0o1777} : {}),
    })),
    {kind: 'bind-ro', host: packageDir, target: APP_DIR},
    {kind: 'bind-ro', host: '/etc/resolv.conf', target: '/etc/resolv.conf', optional: true},
    {kind: 'bind-ro', host: '/etc/ssl/certs', target: '/etc/ssl/certs', optional: true},
    {kind: 'bind-ro', host: '/usr/share/ca-certificates', target: '/usr/share/ca-certificates', optional: true},
    {kind: 'bind-ro', host: '/etc/localtime', target: '/etc/localtime', optional: true},
    {kind: 'file', target: '/etc/hosts', content: `127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t${hostname}\n`},
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
