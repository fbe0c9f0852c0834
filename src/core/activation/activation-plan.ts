import type {ProbeSpec} from '../health/probe-spec.js'
import type {NetworkSection} from '../net/attach-plan.js'
import type {AppliedRelaxation} from '../plan/plan-unit.js'
import type {RootfsLayout} from './rootfs-layout.js'

/**
 * Everything `niso activate` will do for one app version, computed without touching the system.
 * `--dry-run` prints it; apply executes it; it is saved as plan.json in the version directory so
 * rollback, health checks, hooks and `niso exec` use exactly what was activated.
 */
export interface ActivationPlan {
  readonly app: string
  readonly version: string
  /** Installed package payload on the host, bound read-only at /app. */
  readonly packageDir: string
  readonly unitName: string
  /** The rendered main unit. */
  readonly unitText: string
  readonly health?: {
    readonly spec: ProbeSpec
    readonly timerText: string
    readonly serviceText: string
    /** Manifest hook run after `retries` failed checks, before the restart (path inside /app). */
    readonly onUnhealthy?: string
  }
  readonly rootfs: RootfsLayout
  /** Where the service joins a network ([network] of the manifest, applied again under the lock). */
  readonly network?: {
    readonly section: NetworkSection
    readonly network: string
    readonly subnet: string
    readonly address: string
    readonly hostname: string
    readonly ports: readonly string[]
  }
  /** Named volumes: host directories created on first activation and kept across versions. */
  readonly volumes: readonly {readonly name: string; readonly path: string}[]
  /** Manifest hooks, paths relative to the package root (run inside the service's sandbox). */
  readonly hooks: {
    readonly preActivate?: string
    readonly postActivate?: string
    readonly preDeactivate?: string
    readonly postDeactivate?: string
  }
  /**
   * `systemd-run -p` properties that reproduce the service's sandbox (RootDirectory, binds,
   * identity, hardening) for hooks, `niso run` and exec probes.
   */
  readonly sandboxProperties: readonly string[]
  readonly preset: string
  readonly runtime?: string
  /** The preset's exposure budget (systemd-analyze security score), when it declares one. */
  readonly exposureBudget?: number
  readonly relaxations: readonly AppliedRelaxation[]
  readonly contributors: readonly string[]
  readonly labels: Readonly<Record<string, string>>
  readonly warnings: readonly string[]
}
