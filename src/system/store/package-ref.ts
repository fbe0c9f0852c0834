import {NisoError} from '../../core/errors.js'

/** `NAME:VERSION`, or `NAME VERSION` as two arguments (a scoped name keeps its "@scope/"). */
export function parseRef(args: ReadonlyArray<string | undefined>): {name: string; version: string} {
  const [first, second] = args
  if (first !== undefined && second !== undefined) return {name: first, version: second}
  const at = first?.lastIndexOf(':') ?? -1
  if (first === undefined || at <= 0 || at === first.length - 1) {
    throw new NisoError('E_USAGE', `"${first ?? ''}": expected NAME:VERSION (e.g. my-api:1.0.0)`)
  }
  return {name: first.slice(0, at), version: first.slice(at + 1)}
}
