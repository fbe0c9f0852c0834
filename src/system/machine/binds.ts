import path from 'node:path'

import {NisoError} from '../../core/errors.js'
import type {MachineBind} from './state.js'

/** `SRC[:DST][:ro|rw]` → a bind (DST defaults to SRC; both absolute once resolved). */
export function parseBind(spec: string): MachineBind {
  const parts = spec.split(':')
  let readOnly = false
  const last = parts.at(-1)
  if (parts.length > 1 && (last === 'ro' || last === 'rw')) {
    readOnly = last === 'ro'
    parts.pop()
  }
  if (parts.length > 2 || !parts[0]) {
    throw new NisoError('E_MACHINE_BIND', `--bind ${spec}: expected SRC[:DST][:ro|rw]`)
  }
  const target = parts[1] ?? parts[0]
  if (!path.isAbsolute(target))
    throw new NisoError('E_MACHINE_BIND', `--bind ${spec}: ${target} is not an absolute path`)
  return {source: path.resolve(parts[0]), target: path.posix.normalize(target), readOnly}
}
