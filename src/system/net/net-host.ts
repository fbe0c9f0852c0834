import type {Config} from '@oclif/core'

import type {NisoPaths} from '../../core/paths.js'
import {hostView} from '../activation/host-view.js'
import type {NetHost} from './attach.js'
import {networkBackend} from './backend.js'

/** Networking for a command: the niso paths, the discovered backend and the host view. */
export async function netHost(config: Config, paths: NisoPaths): Promise<NetHost> {
  return {paths, backend: await networkBackend(config), host: hostView(paths)}
}
