import type {DirectiveSpec} from './directives.js'
import type {DirectiveValue} from './fragment.js'

/** A typed error from validating, merging or rendering units; `code` is stable for --json. */
export class UnitError extends Error {
  readonly code: string

  constructor(code: string, message: string) {
    super(message)
    this.name = 'UnitError'
    this.code = code
  }
}

/**
 * The items of a list directive's value. "" is the empty list; a string is one item, except for
 * space-joined lists, whose strings split on whitespace like systemd reads them ("AF_UNIX AF_INET").
 */
export function directiveItems(spec: DirectiveSpec, value: DirectiveValue): string[] {
  const raw = Array.isArray(value) ? value : [value]
  if (spec.joined && spec.quote !== 'word') return raw.flatMap((v) => v.split(/\s+/)).filter((v) => v !== '')
  return Array.isArray(value) ? [...value] : value === '' ? [] : [value]
}

/** A value as users read it in messages: lists joined by spaces. */
export function valueText(value: DirectiveValue): string {
  return Array.isArray(value) ? value.join(' ') : value
}

/** Stable order for set-like lists (byte order, so the result does not depend on the locale). */
export function sortedUnique(items: Iterable<string>): string[] {
  return [...new Set(items)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
