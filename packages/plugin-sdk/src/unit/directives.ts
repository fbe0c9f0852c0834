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
 * - override:  scalar; a later phase replaces an earlier one (resource limits, Restart=); within
 *              one phase, contributors must agree.
 *
 * Entries may narrow further: `phases` lists the only phases allowed to set a directive (owner is
 * the one-phase case), and `filter` marks SystemCallFilter, whose allow lines only the preset may
 * write (an allow line added later would widen the filter; later phases add deny lines, "~…").
 * `printf` marks directives where systemd expands "%" specifiers (the renderer doubles "%"), and
 * `quote` how list items are written: "word" (systemd word quoting, e.g. Environment=) or "exec"
 * (an argv given as a list is one command line, with "$" and "%" escaped). A string given for an
 * Exec* directive is already a systemd command line (build it with `execLine`) and is written as is.
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
  /** The only phases that may set it (owner is the single-phase case). */
  readonly phases?: readonly Phase[]
  /** SystemCallFilter: allow lines only from the preset; later phases may add deny lines ("~…"). */
  readonly filter?: boolean
  /** systemd expands "%" specifiers in this directive's values; literal "%" is written "%%". */
  readonly printf?: boolean
  /** How values are quoted: "word" (systemd word quoting), "exec" (an argv list is one command line). */
  readonly quote?: 'word' | 'exec'
}

const YES_NO = ['no', 'yes'] as const
const restrictBool = (section: UnitSection = 'Service'): DirectiveSpec => ({section, kind: 'restrict', lattice: YES_NO})

export const DIRECTIVES = {
  // [Unit]
  Description: {section: 'Unit', kind: 'owner', owner: 'host', printf: true},
  Documentation: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  After: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  Before: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  Wants: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  Requires: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  BindsTo: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  PartOf: {section: 'Unit', kind: 'union', list: true, joined: true, printf: true},
  StartLimitIntervalSec: {section: 'Unit', kind: 'override'},
  StartLimitBurst: {section: 'Unit', kind: 'override'},

  // [Service]: what runs
  Type: {section: 'Service', kind: 'override'},
  ExecStart: {section: 'Service', kind: 'owner', owner: 'runtime', quote: 'exec'},
  ExecStartPre: {section: 'Service', kind: 'append', list: true},
  ExecStartPost: {section: 'Service', kind: 'append', list: true},
  ExecStop: {section: 'Service', kind: 'append', list: true},
  ExecStopPost: {section: 'Service', kind: 'append', list: true},
  WorkingDirectory: {section: 'Service', kind: 'override', printf: true},
  Environment: {section: 'Service', kind: 'append', list: true, printf: true, quote: 'word'},
  EnvironmentFile: {section: 'Service', kind: 'append', list: true, printf: true},
  UnsetEnvironment: {section: 'Service', kind: 'union', list: true, joined: true, printf: true, quote: 'word'},
  Restart: {section: 'Service', kind: 'override'},
  RestartSec: {section: 'Service', kind: 'override'},
  TimeoutStartSec: {section: 'Service', kind: 'override'},
  TimeoutStopSec: {section: 'Service', kind: 'override'},
  KillSignal: {section: 'Service', kind: 'override'},
  KillMode: {section: 'Service', kind: 'override'},
  SyslogIdentifier: {section: 'Service', kind: 'owner', owner: 'host', printf: true},
  LogExtraFields: {section: 'Service', kind: 'append', list: true, printf: true, quote: 'word'},
  LogRateLimitIntervalSec: {section: 'Service', kind: 'override'},
  LogRateLimitBurst: {section: 'Service', kind: 'override'},

  // [Service]: identity
  // A dynamic user is the hardened default; turning it off is a relaxation the preset must permit.
  DynamicUser: {section: 'Service', kind: 'restrict', lattice: YES_NO},
  // Only the manifest's [service] user/group name the identity (checked against DynamicUser).
  User: {section: 'Service', kind: 'owner', owner: 'manifest', printf: true},
  Group: {section: 'Service', kind: 'owner', owner: 'manifest', printf: true},
  SupplementaryGroups: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
  UMask: {section: 'Service', kind: 'restrict', lattice: ['0022', '0027', '0077']},

  // [Service]: filesystem
  RootDirectory: {section: 'Service', kind: 'owner', owner: 'host', printf: true},
  MountAPIVFS: {section: 'Service', kind: 'owner', owner: 'host'},
  BindPaths: {section: 'Service', kind: 'append', list: true, joined: true, printf: true},
  BindReadOnlyPaths: {section: 'Service', kind: 'append', list: true, joined: true, printf: true},
  TemporaryFileSystem: {section: 'Service', kind: 'append', list: true, joined: true, printf: true},
  ReadWritePaths: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
  ReadOnlyPaths: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
  InaccessiblePaths: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
  StateDirectory: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
  RuntimeDirectory: {section: 'Service', kind: 'union', list: true, joined: true, printf: true},
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
  DeviceAllow: {section: 'Service', kind: 'union', list: true, printf: true},
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
  SystemCallFilter: {section: 'Service', kind: 'append', list: true, filter: true},
  SystemCallErrorNumber: {section: 'Service', kind: 'override'},
  SystemCallArchitectures: {section: 'Service', kind: 'override'},
  RestrictAddressFamilies: {section: 'Service', kind: 'intersect', list: true, joined: true},

  // [Service]: network
  NetworkNamespacePath: {section: 'Service', kind: 'owner', owner: 'network', printf: true},
  // An allow entry widens the deny list, so only the preset and the network backend may add one.
  IPAddressAllow: {section: 'Service', kind: 'union', list: true, joined: true, phases: ['preset', 'network']},
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
  LimitAS: {section: 'Service', kind: 'override'},
  LimitCPU: {section: 'Service', kind: 'override'},
  LimitDATA: {section: 'Service', kind: 'override'},
  LimitFSIZE: {section: 'Service', kind: 'override'},
  LimitLOCKS: {section: 'Service', kind: 'override'},
  LimitMSGQUEUE: {section: 'Service', kind: 'override'},
  LimitNICE: {section: 'Service', kind: 'override'},
  LimitRSS: {section: 'Service', kind: 'override'},
  LimitRTPRIO: {section: 'Service', kind: 'override'},
  LimitRTTIME: {section: 'Service', kind: 'override'},
  LimitSIGPENDING: {section: 'Service', kind: 'override'},

  // [Install]
  WantedBy: {section: 'Install', kind: 'union', list: true, joined: true, printf: true},
  RequiredBy: {section: 'Install', kind: 'union', list: true, joined: true, printf: true},
} as const satisfies Record<string, DirectiveSpec>

export type DirectiveName = keyof typeof DIRECTIVES

export function isDirectiveName(name: string): name is DirectiveName {
  return Object.hasOwn(DIRECTIVES, name)
}

export function directiveSpec(name: DirectiveName): DirectiveSpec {
  return DIRECTIVES[name]
}
