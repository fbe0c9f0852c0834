import path from 'node:path'

/**
 * Every path niso touches, derived from one root. NISO_ROOT (default "/") relocates all of it,
 * so the whole tool runs unprivileged inside a temp dir.
 */
export interface NisoPaths {
  readonly root: string
  /** /opt/niso */
  readonly home: string
  readonly packages: string
  /** Verified .niso files kept byte-for-byte, for export and same-content checks. */
  readonly archives: string
  /** Install staging, on the same filesystem as packages so the final rename is atomic. */
  readonly staging: string
  readonly runtimes: string
  readonly rootfs: string
  readonly state: string
  readonly db: string
  /** /etc/niso */
  readonly etc: string
  readonly trustedKeys: string
  /** /etc/systemd/system */
  readonly unitDir: string
  /** /var/lib/niso */
  readonly varLib: string
  readonly volumes: string
  /** /run/niso */
  readonly run: string
}

export function nisoPaths(root: string = process.env.NISO_ROOT || '/'): NisoPaths {
  const r = path.resolve(root)
  const home = path.join(r, 'opt/niso')
  const etc = path.join(r, 'etc/niso')
  const varLib = path.join(r, 'var/lib/niso')
  const state = path.join(home, 'state')
  return {
    root: r,
    home,
    packages: path.join(home, 'packages'),
    archives: path.join(home, 'archives'),
    staging: path.join(home, 'packages/.staging'),
    runtimes: path.join(home, 'runtimes'),
    rootfs: path.join(home, 'rootfs'),
    state,
    db: path.join(state, 'niso.db'),
    etc,
    trustedKeys: path.join(etc, 'trusted-keys'),
    unitDir: path.join(r, 'etc/systemd/system'),
    varLib,
    volumes: path.join(varLib, 'volumes'),
    run: path.join(r, 'run/niso'),
  }
}

/** Directory of one installed version. */
export function packageDir(paths: NisoPaths, name: string, version: string): string {
  return path.join(paths.packages, name, version)
}
