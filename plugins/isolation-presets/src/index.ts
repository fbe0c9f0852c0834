import {type IsolationPreset, PLUGIN_API_VERSION, definePreset} from '@niso/plugin-sdk'

/**
 * niso's isolation presets, a ladder from none to strict. Each is plain data: the directives it
 * sets, what it lets runtimes or manifests loosen (permits), and the `systemd-analyze security`
 * exposure a unit under it may score (checked on golden units).
 */

/** Shared by every confined preset: no host view beyond the assembled rootfs, no privileges. */
const confined: Record<string, string | string[]> = {
  DynamicUser: 'yes',
  PrivateTmp: 'yes',
  PrivateDevices: 'yes',
  PrivateIPC: 'yes',
  PrivateMounts: 'yes',
  PrivateUsers: 'yes',
  ProtectSystem: 'strict',
  ProtectHome: 'yes',
  ProtectProc: 'invisible',
  ProcSubset: 'pid',
  ProtectKernelTunables: 'yes',
  ProtectKernelModules: 'yes',
  ProtectKernelLogs: 'yes',
  ProtectControlGroups: 'yes',
  ProtectHostname: 'yes',
  ProtectClock: 'yes',
  RestrictNamespaces: 'yes',
  RestrictRealtime: 'yes',
  RestrictSUIDSGID: 'yes',
  NoNewPrivileges: 'yes',
  LockPersonality: 'yes',
  MemoryDenyWriteExecute: 'yes',
  RemoveIPC: 'yes',
  KeyringMode: 'private',
  DevicePolicy: 'closed',
  DeviceAllow: '',
  UMask: '0077',
  CapabilityBoundingSet: '',
  AmbientCapabilities: '',
  SystemCallArchitectures: 'native',
  SystemCallErrorNumber: 'EPERM',
  RestrictAddressFamilies: ['AF_UNIX', 'AF_INET', 'AF_INET6'],
}

const JIT = 'MemoryDenyWriteExecute'

export const presets: IsolationPreset[] = [
  definePreset({
    id: 'none',
    apiVersion: PLUGIN_API_VERSION,
    description: 'No hardening beyond the assembled rootfs: root, all capabilities. Testing only.',
    unit: {Service: {}},
    permits: [JIT, 'CapabilityBoundingSet', 'AmbientCapabilities', 'NoNewPrivileges', 'PrivateUsers'],
  }),
  definePreset({
    id: 'minimal',
    apiVersion: PLUGIN_API_VERSION,
    description: 'Legacy apps that need root: kernel and cgroup protection, dangerous capabilities dropped.',
    unit: {
      Service: {
        PrivateTmp: 'yes',
        ProtectKernelTunables: 'yes',
        ProtectKernelModules: 'yes',
        ProtectKernelLogs: 'yes',
        ProtectControlGroups: 'yes',
        LockPersonality: 'yes',
        SystemCallFilter: ['@system-service'],
        SystemCallErrorNumber: 'EPERM',
        CapabilityBoundingSet: [
          'CAP_CHOWN',
          'CAP_DAC_OVERRIDE',
          'CAP_FOWNER',
          'CAP_FSETID',
          'CAP_KILL',
          'CAP_SETGID',
          'CAP_SETUID',
          'CAP_SETPCAP',
          'CAP_NET_BIND_SERVICE',
          'CAP_NET_RAW',
          'CAP_SYS_CHROOT',
          'CAP_AUDIT_WRITE',
          'CAP_SETFCAP',
        ],
      },
    },
    permits: [JIT, 'CapabilityBoundingSet', 'AmbientCapabilities', 'NoNewPrivileges'],
  }),
  definePreset({
    id: 'server',
    apiVersion: PLUGIN_API_VERSION,
    description: 'HTTP APIs and web services (the default): dynamic user, no capabilities, read-only system.',
    unit: {Service: {...confined, SystemCallFilter: ['@system-service', '~@privileged @resources']}},
    permits: [JIT, 'CapabilityBoundingSet', 'AmbientCapabilities'],
    exposureBudget: 1.0,
  }),
  definePreset({
    id: 'worker',
    apiVersion: PLUGIN_API_VERSION,
    description: 'Background jobs and queue consumers: like server, for processes that serve no port.',
    unit: {Service: {...confined, SystemCallFilter: ['@system-service', '~@privileged @resources']}},
    permits: [JIT],
    exposureBudget: 1.0,
  }),
  definePreset({
    id: 'strict',
    apiVersion: PLUGIN_API_VERSION,
    description:
      'Untrusted code: server plus a private network namespace with no address reachable (until a network backend gives it one), a narrower syscall filter, AF_UNIX and IP only.',
    unit: {
      Service: {
        ...confined,
        PrivateNetwork: 'yes',
        IPAddressDeny: 'any',
        SystemCallFilter: [
          '@system-service',
          '~@privileged @resources @mount @debug @module @raw-io @reboot @swap @cpu-emulation @obsolete @clock',
        ],
      },
    },
    permits: [],
    exposureBudget: 0.5,
  }),
  definePreset({
    id: 'database',
    apiVersion: PLUGIN_API_VERSION,
    description: 'Databases: server with shared-memory IPC, JIT allowed, I/O priority and a larger memlock limit.',
    unit: {
      Service: {
        ...confined,
        MemoryDenyWriteExecute: 'no',
        IOWeight: '500',
        LimitMEMLOCK: '64M',
        SystemCallFilter: ['@system-service', '~@privileged'],
      },
    },
    permits: [JIT, 'CapabilityBoundingSet', 'AmbientCapabilities'],
    exposureBudget: 1.5,
  }),
]
