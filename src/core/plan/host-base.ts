import type {UnitFragment} from '@niso/plugin-sdk'

import {unitBaseName} from '../unit/name.js'
import {bindItem} from './binds.js'

/** Where the package payload is mounted inside every rootfs. */
export const APP_MOUNT = '/app'

export interface HostBaseInput {
  readonly app: string
  readonly version: string
  /** The installed package directory on the host. */
  readonly packageDir: string
  /** RootDirectory= of the unit: the service's assembled rootfs. */
  readonly rootDirectory: string
}

/**
 * What niso itself puts in every unit (phase "host"): identity and provenance, the rootfs and
 * the read-only package at /app, the API filesystems, defaults a manifest may override (Type,
 * restart policy, stop timeout, working directory), and bounded logs.
 */
export function hostBase(input: HostBaseInput): UnitFragment {
  const base = unitBaseName(input.app)
  return {
    Unit: {
      Description: `niso app ${input.app}@${input.version}`,
      After: ['network.target'],
      // A crash loop stops after 5 starts in a minute instead of spinning forever.
      StartLimitIntervalSec: '60s',
      StartLimitBurst: '5',
    },
    Service: {
      // exec: the start job fails when the binary cannot be executed (simple would report success).
      Type: 'exec',
      WorkingDirectory: APP_MOUNT,
      Environment: [`NISO_APP=${input.app}`, `NISO_VERSION=${input.version}`],
      Restart: 'on-failure',
      RestartSec: '2s',
      TimeoutStopSec: '30s',
      SyslogIdentifier: base,
      // `journalctl NISO_APP=<app>` finds every line, whatever the process calls itself.
      LogExtraFields: [`NISO_APP=${input.app}`, `NISO_VERSION=${input.version}`],
      // Bounded logs: at most 5000 lines per 30 s from this service reach the journal.
      LogRateLimitIntervalSec: '30s',
      LogRateLimitBurst: '5000',
      RootDirectory: input.rootDirectory,
      MountAPIVFS: 'yes',
      BindReadOnlyPaths: [bindItem(input.packageDir, APP_MOUNT, 'the package directory')],
    },
    Install: {WantedBy: ['multi-user.target']},
  }
}
