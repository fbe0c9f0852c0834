import {NisoError} from '../errors.js'
import {binaryTemplate} from './binary.js'
import {nodeTemplate} from './node.js'
import {pythonTemplate} from './python.js'
import type {TemplateFile} from './template-file.js'

export type {TemplateFile} from './template-file.js'

/**
 * `niso init` templates: a commented manifest.toml and .nisoignore that pack as they are, plus a
 * tiny sample app written only where no file of that name exists.
 */
export const TEMPLATES = ['node', 'python', 'binary'] as const
export type TemplateName = (typeof TEMPLATES)[number]

export function renderTemplate(template: TemplateName, name: string): TemplateFile[] {
  switch (template) {
    case 'node':
      return nodeTemplate(name)
    case 'python':
      return pythonTemplate(name)
    case 'binary':
      return binaryTemplate(name)
  }
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]{0,62}$/

/** A package name from a directory name: "My App" → "my-app"; "app" when nothing usable is left. */
export function packageNameFrom(dirName: string): string {
  const name = dirName
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/[-.]+$/, '')
  return NAME_RE.test(name) ? name : 'app'
}

export function checkPackageName(name: string): string {
  if (!NAME_RE.test(name)) {
    throw new NisoError('E_INIT_NAME', `--name "${name}": must be lowercase letters, digits, ".", "_" or "-"`)
  }
  return name
}
