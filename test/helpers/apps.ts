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
 * Packs an app from its files (relative path → content, `manifest.toml` among them) into `outDir`
 * with extra `niso pack` flags, returning the .niso path. The files get a fresh directory of their
 * own, so several versions can be packed side by side.
 */
export function packFiles(outDir: string, files: Record<string, string>, flags: readonly string[] = []): string {
  const src = fs.mkdtempSync(path.join(outDir, 'src-'))
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(src, rel)), {recursive: true})
    fs.writeFileSync(path.join(src, rel), text)
  }
  const r = runNiso(['pack', ...flags, '--output', outDir, '--json'], {cwd: src})
  if (r.code !== 0) throw new Error(`niso pack failed: ${r.stderr}`)
  return (JSON.parse(r.stdout) as {path: string}).path
}

/** Packs an app from a manifest text and a binary into `outDir`, returning the .niso path. */
export function packApp(outDir: string, manifest: string, binary: string): string {
  return packFiles(outDir, {'manifest.toml': manifest}, ['--binary', binary])
}

/** A file of the repo's examples/ as text, to pack with packFiles. */
export function exampleFile(rel: string): string {
  return fs.readFileSync(path.join(REPO, 'examples', rel), 'utf8')
}

/**
 * The manifest of examples/hello-c as `name` `version` on port 8081 (it reports APP_VERSION), with
 * an HTTP health check probed 1 s apart, 2 retries; `extra` TOML is appended.
 */
export function helloCManifest(
  name: string,
  version: string,
  health = 'http://127.0.0.1:8081/health',
  extra = '',
): string {
  return `[package]
name = "${name}"
version = "${version}"
[binary]
entrypoint = "hello-c"
[environment]
PORT = "8081"
APP_VERSION = "${version}"
[healthcheck]
http = "${health}"
interval = "1s"
timeout = "1s"
retries = 2
${extra}
[network]
ports = ["8081:8081"]
`
}
