import {execFileSync, spawnSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * Shared benchmark fixtures, built once under ${NISO_BENCH_DIR:-/tmp/niso-bench} and reused:
 * a realistic Node app (express and friends with their node_modules: thousands of small files
 * plus TypeScript's large ones) and a 1 GiB tree for the memory checks.
 */
export const BENCH_DIR = process.env.NISO_BENCH_DIR || '/tmp/niso-bench'
export const REPO = path.resolve(import.meta.dirname, '..')
export const NISO = path.join(REPO, 'bin/niso')

const EXPRESS_DEPS = [
  'express@4.21.2',
  'lodash@4.17.21',
  'rxjs@7.8.1',
  'moment@2.30.1',
  '@types/node@22.10.2',
  'typescript@5.7.2',
]
const FIXTURE_VERSION = `1 ${EXPRESS_DEPS.join(' ')}`

const EXPRESS_MANIFEST = `[package]
name = "bench-express"
version = "1.0.0"
description = "benchmark fixture: an express app with its node_modules"

[runtime]
use = "nodejs:20"

[binary]
entrypoint = "server.js"

[copy]
include = ["server.js", "package.json", "node_modules/"]
`

/** The express app source dir (manifest.toml, server.js, node_modules/); npm-installs it once. */
export function expressAppDir(): string {
  const dir = path.join(BENCH_DIR, 'express-app')
  const marker = path.join(dir, '.fixture-ok')
  if (fs.existsSync(marker) && fs.readFileSync(marker, 'utf8') === FIXTURE_VERSION) return dir
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(dir, {recursive: true})
  fs.writeFileSync(path.join(dir, 'manifest.toml'), EXPRESS_MANIFEST)
  fs.writeFileSync(
    path.join(dir, 'server.js'),
    "const express = require('express')\nconst app = express()\napp.get('/health', (_req, res) => res.send('ok'))\napp.listen(process.env.PORT || 8080)\n",
  )
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({name: 'bench-express', version: '1.0.0', private: true}, null, 2),
  )
  console.error(`bench: npm install ${EXPRESS_DEPS.join(' ')} into ${dir} (once)`)
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', ...EXPRESS_DEPS], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  fs.writeFileSync(marker, FIXTURE_VERSION)
  return dir
}

/** A tree of ~`bytes` (half random, half text, in 64 MiB files) with a manifest, for memory checks. */
export function largeTreeDir(bytes = 1024 ** 3): string {
  const dir = path.join(BENCH_DIR, `large-${bytes}`)
  const marker = path.join(dir, '.fixture-ok')
  if (fs.existsSync(marker)) return dir
  fs.rmSync(dir, {recursive: true, force: true})
  fs.mkdirSync(path.join(dir, 'data'), {recursive: true})
  fs.writeFileSync(
    path.join(dir, 'manifest.toml'),
    `[package]\nname = "bench-large"\nversion = "1.0.0"\n\n[binary]\nentrypoint = "/bin/true"\n\n[copy]\ninclude = ["data/"]\n`,
  )
  const chunk = 64 * 1024 * 1024
  const words = Buffer.from('lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor '.repeat(8))
  for (let i = 0; i * chunk < bytes; i++) {
    const fd = fs.openSync(path.join(dir, `data/part-${String(i).padStart(3, '0')}.bin`), 'w')
    for (let o = 0; o < chunk; o += 1024 * 1024) {
      const block = i % 2 === 0 ? crypto.randomBytes(1024 * 1024) : Buffer.alloc(1024 * 1024, words)
      fs.writeSync(fd, block)
    }
    fs.closeSync(fd)
  }
  fs.writeFileSync(marker, '1')
  return dir
}

/**
 * Packs `dir` into `outDir` with `niso pack` when the command exists; otherwise with the same
 * layout from GNU tar + sha256sum + zstd -3 (manifest.toml, checksums.sha256, then the payload).
 * Returns the .niso path.
 */
export function packFixture(dir: string, outDir: string): string {
  fs.mkdirSync(outDir, {recursive: true})
  const help = spawnSync(NISO, ['pack', '--help'], {stdio: 'ignore'})
  if (help.status === 0) {
    // pack prints "<path> (<size>)".
    const out = execFileSync(NISO, ['pack', '--output', outDir], {cwd: dir, encoding: 'utf8'})
    const file =
      out
        .trim()
        .split('\n')
        .at(-1)
        ?.replace(/ \([^)]*\)$/, '') ?? ''
    if (!file.endsWith('.niso') || !fs.existsSync(file)) throw new Error(`niso pack printed no package path: ${out}`)
    return file
  }
  const manifest = fs.readFileSync(path.join(dir, 'manifest.toml'), 'utf8')
  const name = /^name = "(.+)"$/m.exec(manifest)?.[1] ?? 'bench'
  const version = /^version = "(.+)"$/m.exec(manifest)?.[1] ?? '1.0.0'
  const out = path.join(outDir, `${name}-${version}-x86_64.niso`)
  const payload = fs
    .readdirSync(dir)
    .filter((n) => !n.startsWith('.') && n !== 'manifest.toml' && n !== 'package-lock.json')
  const script = `
    set -e
    cd "$1"; out="$2"; list="$3"; shift 3
    find manifest.toml "$@" -type f | LC_ALL=C sort | xargs -d '\\n' sha256sum > checksums.sha256
    find "$@" | LC_ALL=C sort > "$list"
    tar --owner=0 --group=0 --numeric-owner --mtime=@0 --no-recursion -cf - manifest.toml checksums.sha256 -T "$list" \\
      | zstd -3 -q -c > "$out"
    rm -f checksums.sha256 "$list"
  `
  execFileSync('sh', ['-c', script, 'pack', dir, out, `${out}.list`, ...payload], {
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return out
}
