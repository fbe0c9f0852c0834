import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

import {BENCH_DIR, NISO, REPO, expressAppDir, largeTreeDir, packFixture} from './fixtures.ts'
import {check, measureCommand, printGroup, runGroup} from './lib.ts'

/**
 * niso install (verify + extract + record) against the shell doing the same work without any
 * safety: `zstd -dc | tar -x` then `sha256sum -c`. Targets live on tmpfs when there is one: on
 * ext4 both sides are dominated by writeback noise (deps.md §2), and niso's syncfs before the
 * final rename would measure the disk, not the code.
 */
const ROUNDS = Number(process.env.NISO_BENCH_ROUNDS ?? 7)
const TARGET = fs.existsSync('/dev/shm') ? '/dev/shm/niso-bench-install' : path.join(BENCH_DIR, 'install-target')
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
/** NISO_BENCH_ONLY=time|memory|list runs one part. */
const only = process.env.NISO_BENCH_ONLY
const part = (name: string): boolean => only === undefined || only === '' || only === name
let failed = false
const gate = (ok: boolean): void => {
  if (!ok) failed = true
}

fs.rmSync(TARGET, {recursive: true, force: true})
fs.mkdirSync(TARGET, {recursive: true})
const env = {...process.env}
if (part('time')) timeInstall()
if (part('memory')) memoryOfLargeInstall()
if (part('list')) timeList()
fs.rmSync(TARGET, {recursive: true, force: true})
if (failed) process.exitCode = 1

function timeInstall(): void {
  const pkg = packFixture(expressAppDir(), path.join(BENCH_DIR, 'packages'))
  const root = path.join(TARGET, 'root')
  const base = path.join(TARGET, 'base')
  // A store that already has a state DB, as on any host after its first install.
  spawnSync(NISO, ['install', pkg], {env: {...env, NISO_ROOT: root}, stdio: 'ignore'})
  console.log(`# install: ${path.basename(pkg)} (${(fs.statSync(pkg).size / 1e6).toFixed(1)} MB) into ${TARGET}`)

  const results = runGroup(
    [
      {
        name: 'zstd -dc | tar -x && sha256sum -c',
        before: `rm -rf ${q(base)} && mkdir -p ${q(base)}`,
        command: `zstd -dc ${q(pkg)} | tar -x -C ${q(base)} && (cd ${q(base)} && sha256sum -c --quiet checksums.sha256)`,
      },
      {
        // The verifying extractor alone, without the CLI's start-up and the state DB: not gated.
        name: 'extractArchive() only (no CLI, no DB)',
        before: `rm -rf ${q(base)}-engine`,
        command: `${q(process.execPath)} --input-type=module -e ${q(
          `import {extractArchive} from ${JSON.stringify(path.join(REPO, 'dist/system/archive/extract.js'))}; await extractArchive(${JSON.stringify(pkg)}, {target: ${JSON.stringify(`${base}-engine`)}})`,
        )}`,
      },
      {
        name: 'niso install',
        before: `NISO_ROOT=${q(root)} ${q(NISO)} remove bench-express 1.0.0 >/dev/null 2>&1; true`,
        command: `NISO_ROOT=${q(root)} ${q(NISO)} install ${q(pkg)} 2>/dev/null`,
      },
    ],
    ROUNDS,
  )
  printGroup('install (verify + extract) vs zstd | tar + sha256sum -c', results)
  gate(check('install time ratio', results[2]?.ratio ?? Infinity, 1.5, 'x'))
}

function memoryOfLargeInstall(): void {
  // Peak memory while installing a 1 GiB package: streaming, never the whole payload in memory.
  const large = packFixture(largeTreeDir(), path.join(BENCH_DIR, 'packages'))
  const largeRoot = path.join(TARGET, 'root-large')
  const big = measureCommand(`NISO_ROOT=${q(largeRoot)} ${q(NISO)} install ${q(large)} 2>/dev/null`, env)
  console.log(`\n## install of a 1 GiB package (${(fs.statSync(large).size / 1e6).toFixed(0)} MB compressed)`)
  console.log(`niso install: ${big.ms.toFixed(0)} ms, peak RSS ${big.rssMiB.toFixed(1)} MiB`)
  gate(check('install 1 GiB peak RSS', big.rssMiB, 256, ' MiB'))
  fs.rmSync(largeRoot, {recursive: true, force: true})
}

function timeList(): void {
  // `niso list` with 100 installed packages next to a bare `node -e 0`.
  const listRoot = path.join(TARGET, 'root-list')
  const pkgDir = path.join(TARGET, 'list-packages')
  fs.mkdirSync(pkgDir, {recursive: true})
  execFileSync(
    'sh',
    ['-c', `ls ${q(pkgDir)}/*.niso | xargs -P 4 -n 1 env NISO_ROOT=${q(listRoot)} ${q(NISO)} install >/dev/null 2>&1`],
    {env: {...env, ...makeListPackages(pkgDir)}},
  )
  const count = JSON.parse(
    execFileSync(NISO, ['list', '--json'], {env: {...env, NISO_ROOT: listRoot}, encoding: 'utf8'}),
  )
  console.log(`\n# niso list over ${(count as unknown[]).length} installed packages`)
  const node = process.execPath
  const listResults = runGroup(
    [
      {name: 'node -e 0', command: `${q(node)} -e 0`},
      {name: 'niso list', command: `NISO_ROOT=${q(listRoot)} ${q(NISO)} list`},
    ],
    Math.max(ROUNDS, 10),
  )
  printGroup('niso list (100 packages) next to node -e 0', listResults)
  const gap = (listResults[1]?.medianMs ?? Infinity) - (listResults[0]?.medianMs ?? 0)
  gate(check('niso list gap over node -e 0', gap, 150, ' ms'))
}

/** Writes 100 small packages (unsigned, like a test store) and returns no env changes. */
function makeListPackages(dir: string): Record<string, string> {
  const script = `
    set -e
    cd "$1"
    for i in $(seq 1 100); do
      d=src-$i; mkdir -p $d/app
      printf '[package]\\nname = "svc-%s"\\nversion = "1.0.%s"\\narch = "x86_64"\\n' $i $i > $d/manifest.toml
      echo "console.log($i)" > $d/app/main.js
      (cd $d && sha256sum manifest.toml app/main.js > checksums.sha256 &&
        tar --owner=0 --group=0 --numeric-owner --mtime=@0 -cf - manifest.toml checksums.sha256 app/main.js |
        zstd -3 -q -c > ../svc-$i-1.0.$i-x86_64.niso)
      rm -rf $d
    done
  `
  execFileSync('sh', ['-c', script, 'make', dir], {stdio: 'inherit'})
  return {}
}
