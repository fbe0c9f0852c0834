import {NisoError} from '../errors.js'

/** Every Linux capability systemd 252 knows (capability(7)). */
export const CAPABILITIES: ReadonlySet<string> = new Set([
  'CAP_AUDIT_CONTROL',
  'CAP_AUDIT_READ',
  'CAP_AUDIT_WRITE',
  'CAP_BLOCK_SUSPEND',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_KILL',
  'CAP_LEASE',
  'CAP_LINUX_IMMUTABLE',
  'CAP_MAC_ADMIN',
  'CAP_MAC_OVERRIDE',
  'CAP_MKNOD',
  'CAP_NET_ADMIN',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_RAW',
  'CAP_PERFMON',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYSLOG',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_CHROOT',
  'CAP_SYS_MODULE',
  'CAP_SYS_NICE',
  'CAP_SYS_PACCT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_WAKE_ALARM',
])

/** "net_bind_service" or "CAP_NET_BIND_SERVICE" → "CAP_NET_BIND_SERVICE"; unknown names are errors. */
export function capabilityName(name: string, field: string): string {
  const upper = name.toUpperCase()
  const cap = upper.startsWith('CAP_') ? upper : `CAP_${upper}`
  if (!CAPABILITIES.has(cap)) {
    throw new NisoError('E_MANIFEST_CAPABILITY', `manifest.toml ${field}: unknown capability "${name}"`, {
      hint: 'names are those of capabilities(7), e.g. "NET_BIND_SERVICE"',
    })
  }
  return cap
}
