import path from 'node:path'

import type {Config} from '@oclif/core'

/** How units niso writes run niso itself: the launcher's argv and the variables it needs. */
export interface NisoInvocation {
  readonly command: readonly string[]
  /** NISO_ROOT when niso runs under another root than /. */
  readonly env: Readonly<Record<string, string>>
}

export function nisoInvocation(config: Config): NisoInvocation {
  const root = process.env.NISO_ROOT
  return {
    command: [path.join(config.root, 'bin', 'niso')],
    env: root && path.resolve(root) !== '/' ? {NISO_ROOT: path.resolve(root)} : {},
  }
}
