import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

import type {Arch, HostProbe, HostView} from '@niso/plugin-sdk'

import type {NisoPaths} from '../../core/paths.js'
import {LibraryResolver} from '../elf/library-closure.js'
import {listRuntimes} from '../runtimes/store.js'

const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']

/** The read-only view of this host that providers plan against (one library resolver per run). */
export function hostView(paths: NisoPaths): HostView {
  const resolver = new LibraryResolver()
  const probe: HostProbe = {
    libraryClosure: (inputs, options = {}) => resolver.closure([inputs].flat(), options),
    async findExecutable(name) {
      for (const dir of STANDARD_PATH) {
        const candidate = path.join(dir, name)
        if (
          await fs.access(candidate, constants.X_OK).then(
            () => true,
            () => false,
          )
        )
          return candidate
      }
      return undefined
    },
    installedRuntimes: async (id) => listRuntimes(paths, id),
    exists: (p) =>
      fs.access(p).then(
        () => true,
        () => false,
      ),
  }
  return {arch: hostArch(), paths: {root: paths.root, runtimes: paths.runtimes, packages: paths.packages}, probe}
}

export function hostArch(): Arch {
  return process.arch === 'arm64' ? 'aarch64' : 'x86_64'
}
