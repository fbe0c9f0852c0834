import {ManifestSchema, type Manifest} from '@niso/plugin-sdk'
import {TomlError, parse as parseToml} from 'smol-toml'
import * as v from 'valibot'

import {NisoError} from '../errors.js'

/**
 * manifest.toml text → a validated Manifest. Syntax errors name file:line:column; schema errors
 * name the field path and what was expected; unknown keys are errors, never ignored.
 */
export function parseManifest(text: string, source = 'manifest.toml'): Manifest {
  return validateManifest(parseTomlDocument(text, source), source)
}

export function parseTomlDocument(text: string, source: string): Record<string, unknown> {
  try {
    return parseToml(text, {unsafeKeyBehaviour: 'throw'}) as Record<string, unknown>
  } catch (error) {
    if (error instanceof TomlError) {
      const first = error.message.split('\n')[0]?.replace(/^Invalid TOML document: /, '') ?? 'invalid TOML'
      throw new NisoError('E_MANIFEST_SYNTAX', `${source}:${error.line}:${error.column}: ${first}`)
    }
    throw error
  }
}

export function validateManifest(data: unknown, source: string): Manifest {
  const result = v.safeParse(ManifestSchema, data, {abortEarly: false})
  if (result.success) return result.output
  const first = result.issues[0]
  const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : ''
  throw new NisoError('E_MANIFEST_SCHEMA', `${source}: ${describeIssue(first)}${more}`)
}

/** "isolation.resources.memory_max: must be a size like "512M" (got "lots")". */
export function describeIssue(issue: v.BaseIssue<unknown>): string {
  const dotted = v.getDotPath(issue) ?? ''
  const where = dotted === '' ? 'manifest' : dotted
  if (issue.received === 'undefined') return `${where}: is required`
  if (issue.expected === 'never') return `unknown key "${dotted}"`
  const got = issue.received ? ` (got ${issue.received})` : ''
  return `${where}: ${issue.message.replace(/^Invalid \w+: /, '')}${got}`
}
