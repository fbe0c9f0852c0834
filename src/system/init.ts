import fs from 'node:fs'
import path from 'node:path'

import {NisoError, messageOf} from '../core/errors.js'
import {type TemplateName, checkPackageName, packageNameFrom, renderTemplate} from '../core/templates/index.js'

export interface InitRequest {
  readonly dir: string
  readonly template: TemplateName
  readonly name?: string | undefined
  readonly force: boolean
}

export interface InitResult {
  readonly template: TemplateName
  readonly name: string
  /** Paths as shown to the user (relative to `dir` joined with it), and what happened. */
  readonly files: {path: string; action: 'created' | 'replaced' | 'kept'}[]
}

/**
 * `niso init`: writes a template's files. manifest.toml is refused when present (unless force);
 * .nisoignore is kept when present (unless force); sample files are written only when absent.
 * Each file is created with O_EXCL or written to a temp file and renamed: nothing half-written.
 */
export async function initPackage(req: InitRequest): Promise<InitResult> {
  const dir = path.resolve(req.dir)
  const name = req.name === undefined ? packageNameFrom(path.basename(dir)) : checkPackageName(req.name)
  const files = renderTemplate(req.template, name)
  await fs.promises.mkdir(dir, {recursive: true}).catch((error: unknown) => {
    throw new NisoError('E_INIT', `${req.dir}: cannot create directory (${messageOf(error)})`)
  })
  const exists = (p: string): boolean => fs.existsSync(path.join(dir, p))
  const manifest = files.find((f) => f.role === 'manifest')
  if (manifest && exists(manifest.path) && !req.force) {
    throw new NisoError(
      'E_INIT_EXISTS',
      `${path.join(req.dir, manifest.path)} already exists (use --force to replace it)`,
    )
  }
  const done: InitResult['files'] = []
  for (const f of files) {
    const target = path.join(dir, f.path)
    const shown = path.join(req.dir, f.path)
    const present = exists(f.path)
    if (present && (f.role === 'sample' || !req.force)) {
      done.push({path: shown, action: 'kept'})
      continue
    }
    await fs.promises.mkdir(path.dirname(target), {recursive: true})
    const tmp = path.join(path.dirname(target), `.${path.basename(f.path)}.${process.pid}.tmp`)
    try {
      await fs.promises.writeFile(tmp, f.content, {mode: f.mode, flag: 'wx'})
      await fs.promises.rename(tmp, target)
    } catch (error) {
      await fs.promises.rm(tmp, {force: true})
      throw new NisoError('E_INIT', `${shown}: cannot write (${messageOf(error)})`)
    }
    done.push({path: shown, action: present ? 'replaced' : 'created'})
  }
  return {template: req.template, name, files: done}
}
