import type {UnitSection} from './fragment.js'

/**
 * The directive registry: one entry per directive niso renders. It is the merge contract between
 * the host and every plugin. A directive that is not here is refused, naming the plugin.
 *
 * Merge kinds:
 * - owner:     exactly one contributor slot may set it (e.g. ExecStart by the runtime).
 * - append:    ordered list, concatenated in phase order (Environment: same name twice with
 *              different values is an error).
 * - union:     set, rendered sorted (After, Wants).
 * - restrict:  a lattice from loosest to strictest; the stricter value wins. Loosening only through
 *              a relaxation the preset permits.
 * - intersect: set; a contributor can only narrow it (CapabilityBoundingSet).
 * - override:  scalar; a later phase replaces an earlier one (resource limits, Restart=).
 */
export type MergeKind = 'owner' | 'append' | 'union' | 'restrict' | 'intersect' | 'override'

/** Who contributes, in the fixed order of merging. */
export const PHASES = ['host', 'preset', 'runtime', 'network', 'manifest', 'invariants'] as const
export type Phase = (typeof PHASES)[number]

export interface DirectiveSpec {
  readonly section: UnitSection
  readonly kind: MergeKind
  /** For owner: the phase allowed to set it. */
  readonly owner?: Phase
  /** For restrict: values ordered from loosest to strictest. */
  readonly lattice?: readonly string[]
  /** True when the directive takes a list of values (rendered one value per line or space-joined). */
  readonly list?: boolean
  /** For list directives: render as one line joined by spaces instead of one line per value. */
  readonly joined?: boolean
}

const YES_NO = ['no', 'yes'] as const
const restrictBool = (section: UnitSection = 'Service'): DirectiveSpec => ({section, kind: 'restrict', lattice: YES_NO})

export const DIRECTIVES = {
  // [Unit]
  Description: {section: 'Unit', kind: 'owner', owner: 'host'},
  Documentation: {section: 'Unit', kind: 'union', list: true, joined: true},
  After: {section: 'Unit', kind: 'union', list: true, joined: true},
  Before: {section: 'Unit', kind: 'union', list: true, joined: true},
  Wants: {section: 'Unit', kind: 'union', list: true, joined: true},
  Requires: {section: 'Unit', kind: 'union', list: true, joined: true},
  BindsTo: {section: 'Unit', kind: 'union', list: true, joined: true},
  PartOf: {section: 'Unit', kind: 'union', list: true, joined: true},
  StartLimitIntervalSec: {section: 'Unit', kind: 'override'},
  StartLimitBurst: {section: 'Unit', kind: 'override'},

  // [Service]: what runs
  Type: {section: 'Service', kind: 'override'},
  ExecStart: {section: 'Service', kind: 'owner', owner: 'runtime'},
  ExecStartPre: {section: 'Service', kind: 'append', list: true},
  ExecStartPost: {section: 'Service', kind: 'append', list: true},
  ExecStop: {section: 'Service', kind: 'append', list: true},
  ExecStopPost: {section: 'Service', kind: 'append', list: true},
  WorkingDirectory: {section: 'Service', kind: 'override'},
  Environment: {section: 'Service', kind: 'append', list: true},
  EnvironmentFile: {section: 'Service', kind: 'append', list: true},
  UnsetEnvironment: {section: 'Service', kind: 'union', list: true, joined: true},
  Restart: {section: 'Service', kind: 'override'},
  RestartSec: {section: 'Service', kind: 'override'},
  TimeoutStartSec: {section: 'Service', kind: 'override'},
  TimeoutStopSec: {section: 'Service', kind: 'override'},
  KillSignal: {section: 'Service', kind: 'override'},
  KillMode: {section: 'Service', kind: 'override'},
  SyslogIdentifier: {section: 'Service', kind: 'owner', owner: 'host'},
  LogExtraFields: {section: 'Service', kind: 'append', list: true},
  LogRateLimitIntervalSec: {section: 'Service', kind: 'override'},
  LogRateLimitBurst: {section: 'Service', kind: 'override'},

  // [Service]: identity
  DynamicUser: {section: 'Service', kind: 'override'},
  User: {section: 'Service', kind: 'override'},
  Group: {section: 'Service', kind: 'override'},
  SupplementaryGroups: {section: 'Service', kind: 'union', list: true, joined: true},
  UMask: {section: 'Service', kind: 'restrict', lattice: ['0022', '0027', '0077']},

  // [Service]: filesystem
  RootDirectory: {section: 'Service', kind: 'owner', owner: 'host'},
  MountAPIVFS: {section: 'Service', kind: 'owner', owner: 'host'},
  BindPaths: {section: 'Service', kind: 'append', list: true, joined: true},
  BindReadOnlyPaths: {section: 'Service', kind: 'append', list: true, joined: true},
  TemporaryFileSystem: {section: 'Service', kind: 'append', list: true, joined: true},
  ReadWritePaths: {section: 'Service', kind: 'union', list: true, joined: true},
  ReadOnlyPaths: {section: 'Service', kind: 'union', list: true, joined: true},
  InaccessiblePaths: {section: 'Service', kind: 'union', list: true, joined: true},
  StateDirectory: {section: 'Service', kind: 'union', list: true, joined: true},
  RuntimeDirectory: {section: 'Service', kind: 'union', list: true, joined: true},
  ProtectSystem: {section: 'Service', kind: 'restrict', lattice: ['no', 'yes', 'full', 'strict']},
  ProtectHome: {section: 'Service', kind: 'restrict', lattice: ['no', 'read-only', 'tmpfs', 'yes']},
  PrivateTmp: restrictBool(),
  PrivateDevices: restrictBool(),
  PrivateIPC: restrictBool(),
  PrivateMounts: restrictBool(),
  PrivateUsers: restrictBool(),
  PrivateNetwork: restrictBool(),
  ProtectProc: {section: 'Service', kind: 'restrict', lattice: ['default', 'noaccess', 'invisible', 'ptraceable']},
  ProcSubset: {section: 'Service', kind: 'restrict', lattice: ['all', 'pid']},
  DeviceAllow: {section: 'Service', kind: 'union', list: true},
  DevicePolicy: {section: 'Service', kind: 'restrict', lattice: ['auto', 'closed', 'strict']},

  // [Service]: kernel and privileges
  ProtectKernelTunables: restrictBool(),
  ProtectKernelModules: restrictBool(),
  ProtectKernelLogs: restrictBool(),
  ProtectControlGroups: restrictBool(),
  ProtectHostname: restrictBool(),
  ProtectClock: restrictBool(),
  RestrictNamespaces: restrictBool(),
  RestrictRealtime: restrictBool(),
  RestrictSUIDSGID: restrictBool(),
  NoNewPrivileges: restrictBool(),
  LockPersonality: restrictBool(),
  MemoryDenyWriteExecute: restrictBool(),
  RemoveIPC: restrictBool(),
  KeyringMode: {section: 'Service', kind: 'restrict', lattice: ['inherit', 'shared', 'private']},
  CapabilityBoundingSet: {section: 'Service', kind: 'intersect', list: true, joined: true},
  AmbientCapabilities: {section: 'Service', kind: 'intersect', list: true, joined: true},
  // One line per value: a line starting with "~" is a deny list, so lines cannot be joined.
  SystemCallFilter: {section: 'Service', kind: 'append', list: true},
  SystemCallErrorNumber: {section: 'Service', kind: 'override'},
  SystemCallArchitectures: {section: 'Service', kind: 'override'},
  RestrictAddressFamilies: {section: 'Service', kind: 'intersect', list: true, joined: true},

  // [Service]: network
  NetworkNamespacePath: {section: 'Service', kind: 'owner', owner: 'network'},
  IPAddressAllow: {section: 'Service', kind: 'union', list: true, joined: true},
  IPAddressDeny: {section: 'Service', kind: 'union', list: true, joined: true},

  // [Service]: resources
  Slice: {section: 'Service', kind: 'owner', owner: 'host'},
  MemoryMax: {section: 'Service', kind: 'override'},
  MemoryHigh: {section: 'Service', kind: 'override'},
  MemorySwapMax: {section: 'Service', kind: 'override'},
  CPUQuota: {section: 'Service', kind: 'override'},
  CPUWeight: {section: 'Service', kind: 'override'},
  TasksMax: {section: 'Service', kind: 'override'},
  IOWeight: {section: 'Service', kind: 'override'},
  Nice: {section: 'Service', kind: 'override'},
  OOMScoreAdjust: {section: 'Service', kind: 'override'},
  LimitNOFILE: {section: 'Service', kind: 'override'},
  LimitNPROC: {section: 'Service', kind: 'override'},
  LimitCORE: {section: 'Service', kind: 'override'},
  LimitMEMLOCK: {section: 'Service', kind: 'override'},
  LimitSTACK: {section: 'Service', kind: 'override'},

  // [Install]
  WantedBy: {section: 'Install', kind: 'union', list: true, joined: true},
  RequiredBy: {section: 'Install', kind: 'union', list: true, joined: true},
} as const satisfies Record<string, DirectiveSpec>

export type DirectiveName = keyof typeof DIRECTIVES

export function isDirectiveName(name: string): name is DirectiveName {
  return Object.hasOwn(DIRECTIVES, name)
}

export function directiveSpec(name: DirectiveName): DirectiveSpec {
  return DIRECTIVES[name]
}
