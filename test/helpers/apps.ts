import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {runNiso} from './cli.ts'

const REPO = path.join(import.meta.dirname, '../..')

/** Compiles a C source from the repo (examples/ or test/fixtures/apps/) into `dir`, returning the binary. */
export function compileC(source: string, dir: string, name: string): string {
  const out = path.join(dir, name)
  execFileSync('gcc', ['-O2', '-o', out, path.join(REPO, source)])
  return out
}

/**
 * Packs an app from a manifest text and a binary into `outDir`, returning the .niso path.
 * The manifest gets a fresh directory of its own, so several versions can be packed side by side.
 */
export function packApp(outDir: string, manifest: string, binary: string): string {
  const src = fs.mkdtempSync(path.join(outDir, 'src-'))
  fs.writeFileSync(path.join(src, 'manifest.toml'), manifest)
  const r = runNiso(['pack', '--binary', binary, '--output', outDir, '--json'], {cwd: src})
  if (r.code !== 0) throw new Error(`niso pack failed: ${r.stderr}`)
  return (JSON.parse(r.stdout) as {path: string}).path
}
