import {type IsolationPreset, PLUGIN_API_VERSION, definePreset} from '@niso/plugin-sdk'

/**
 * niso's isolation presets, a ladder from none to strict. Each is plain data: the directives it
 * sets, what it lets runtimes or manifests loosen (`permits`), and the `systemd-analyze security`
 * exposure a unit under it may score (`exposureBudget`, enforced on the golden units). README.md
 * beside this file documents every directive and the measured scores.
 */

/** V8 (Node.js), the JVM and LLVM JITs write machine code to executable memory. */
const JIT = 'MemoryDenyWriteExecute'

/** Binding ports below 1024 as a non-root user; it only works in the host's user namespace. */
const BIND_LOW_PORTS = [
  'CapabilityBoundingSet=CAP_NET_BIND_SERVICE',
  'AmbientCapabilities=CAP_NET_BIND_SERVICE',
  'PrivateUsers',
] as const

/** Runtimes that read /proc/meminfo or /proc/cpuinfo (e.g. for os.totalmem(), os.cpus()). */
const HOST_PROC = 'ProcSubset'

/** getifaddrs() (Node's os.networkInterfaces(), Python's socket.if_nameindex()) uses netlink. */
const NETLINK = 'RestrictAddressFamilies=AF_NETLINK'

/** Docker's default capability set, less CAP_MKNOD (devices are private anyway). */
const DOCKER_CAPABILITIES = [
  'CAP_AUDIT_WRITE',
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_RAW',
  'CAP_SETFCAP',
  'CAP_SETGID',
  'CAP_SETPCAP',
  'CAP_SETUID',
  'CAP_SYS_CHROOT',
]

export const none = definePreset({
  id: 'none',
  apiVersion: PLUGIN_API_VERSION,
  description: 'No hardening beyond the assembled rootfs: runs as root with every capability. For testing only.',
  unit: {},
  // It sets nothing, so these loosen nothing; listing them keeps runtimes' requests from being refused.
  permits: [JIT, HOST_PROC, 'CapabilityBoundingSet', 'AmbientCapabilities', 'NoNewPrivileges', 'PrivateUsers'],
})

export const minimal = definePreset({
  id: 'minimal',
  apiVersion: PLUGIN_API_VERSION,
  description: "Legacy apps that need root: Docker's default capabilities, kernel and cgroup protection.",
  unit: {
    Service: {
      ProtectSystem: 'full',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectKernelLogs: 'yes',
      ProtectControlGroups: 'yes',
      ProtectClock: 'yes',
      ProtectHostname: 'yes',
      RestrictRealtime: 'yes',
      NoNewPrivileges: 'yes',
      LockPersonality: 'yes',
      CapabilityBoundingSet: DOCKER_CAPABILITIES,
      SystemCallFilter: ['@system-service'],
      SystemCallErrorNumber: 'EPERM',
      SystemCallArchitectures: 'native',
    },
  },
  permits: [
    JIT,
    HOST_PROC,
    'CapabilityBoundingSet',
    'AmbientCapabilities',
    'NoNewPrivileges',
    'PrivateDevices',
    'ProtectSystem',
  ],
})

export const server = definePreset({
  id: 'server',
  apiVersion: PLUGIN_API_VERSION,
  description: 'HTTP APIs and web services (the default): a dynamic user, no capabilities, a read-only system.',
  unit: {
    Service: {
      DynamicUser: 'yes',
      UMask: '0077',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      PrivateIPC: 'yes',
      PrivateMounts: 'yes',
      PrivateUsers: 'yes',
      ProtectProc: 'invisible',
      ProcSubset: 'pid',
      DevicePolicy: 'closed',
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
      CapabilityBoundingSet: [],
      AmbientCapabilities: [],
      SystemCallFilter: ['@system-service', '~@privileged @resources'],
      SystemCallErrorNumber: 'EPERM',
      SystemCallArchitectures: 'native',
      RestrictAddressFamilies: ['AF_INET', 'AF_INET6', 'AF_UNIX'],
    },
  },
  permits: [JIT, HOST_PROC, NETLINK, ...BIND_LOW_PORTS],
  exposureBudget: 1.0,
})

export const worker = definePreset({
  id: 'worker',
  apiVersion: PLUGIN_API_VERSION,
  extends: 'server',
  description: 'Background jobs and queue consumers: server, yielding CPU and I/O to interactive services.',
  unit: {Service: {Nice: '5', CPUWeight: '50', IOWeight: '50'}},
  permits: [JIT, HOST_PROC, NETLINK],
  exposureBudget: 1.0,
})

export const strict = definePreset({
  id: 'strict',
  apiVersion: PLUGIN_API_VERSION,
  extends: 'server',
  description:
    'Untrusted code: server with no network until a network backend provides one, a narrower syscall filter, and nothing loosened.',
  unit: {
    Service: {
      PrivateNetwork: 'yes',
      IPAddressDeny: ['any'],
      IPAddressAllow: ['localhost'],
      TasksMax: '256',
      // The whole filter, not only the added deny line, so the list reads complete on its own.
      SystemCallFilter: [
        '@system-service',
        '~@privileged @resources',
        '~@mount @debug @module @raw-io @reboot @swap @cpu-emulation @obsolete @clock',
      ],
    },
  },
  permits: [],
  exposureBudget: 0.5,
})

export const database = definePreset({
  id: 'database',
  apiVersion: PLUGIN_API_VERSION,
  extends: 'server',
  description: 'Databases: server with JIT allowed, I/O priority, more open files, and protection from the OOM killer.',
  unit: {
    Service: {
      MemoryDenyWriteExecute: 'no',
      KillMode: 'mixed',
      TimeoutStopSec: '120s',
      IOWeight: '500',
      OOMScoreAdjust: '-500',
      LimitNOFILE: '65536',
      LimitMEMLOCK: '64M',
    },
  },
  permits: [
    HOST_PROC,
    NETLINK,
    ...BIND_LOW_PORTS,
    'CapabilityBoundingSet=CAP_IPC_LOCK',
    'AmbientCapabilities=CAP_IPC_LOCK',
  ],
  exposureBudget: 1.5,
})

export const presets: IsolationPreset[] = [none, minimal, server, worker, strict, database]
