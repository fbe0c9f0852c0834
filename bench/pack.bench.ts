import fs from 'node:fs'
import path from 'node:path'

import {BENCH_DIR, NISO, expressAppDir, largeTreeDir} from './fixtures.ts'
import {check, measureCommand, printGroup, runGroup} from './lib.ts'

/**
 * niso pack against `tar -c | zstd -3` of the same files, niso inspect's head-only reading (small
 * vs 1 GiB package), peak memory of packing 1 GiB, and CLI start-up next to `node -e 0`.
 */
const ROUNDS = Number(process.env.NISO_BENCH_ROUNDS ?? 5)
const OUT = path.join(BENCH_DIR, 'pack-out')
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`
let failed = false
const gate = (ok: boolean): void => {
  if (!ok) failed = true
}

fs.rmSync(OUT, {recursive: true, force: true})
fs.mkdirSync(OUT, {recursive: true})

const app = expressAppDir()
const name = (dir: string) => fs.readdirSync(dir).find((f) => f.endsWith('.niso')) ?? ''
const pack = runGroup(
  [
    {
      name: 'tar -c | zstd -3 (baseline)',
      command: `tar -C ${q(app)} -cf - . | zstd -3 -q -f -o ${q(path.join(OUT, 'base.tar.zst'))}`,
    },
    {
      name: 'niso pack',
      command: `cd ${q(app)} && ${q(NISO)} pack --output ${q(path.join(OUT, 'niso'))}`,
      before: `rm -rf ${q(path.join(OUT, 'niso'))} && mkdir -p ${q(path.join(OUT, 'niso'))}`,
    },
  ],
  ROUNDS,
)
printGroup(`pack: express app (${fs.readdirSync(app, {recursive: true}).length} entries)`, pack)
const sizeRatio =
  fs.statSync(path.join(OUT, 'niso', name(path.join(OUT, 'niso')))).size /
  fs.statSync(path.join(OUT, 'base.tar.zst')).size
gate(check('pack time ratio vs tar|zstd -3 (target 1.5)', pack[1]?.ratio ?? Infinity, 2.0))
gate(check('pack size ratio vs tar|zstd -3', sizeRatio, 1.05))

const big = largeTreeDir()
const bigOut = path.join(OUT, 'big')
fs.mkdirSync(bigOut, {recursive: true})
const packed = measureCommand(`cd ${q(big)} && ${q(NISO)} pack --output ${q(bigOut)}`)
console.log(`\npack of a 1 GiB tree: ${packed.ms.toFixed(0)} ms, peak RSS ${packed.rssMiB.toFixed(1)} MiB`)
gate(check('pack 1 GiB peak RSS', packed.rssMiB, 256, ' MiB'))

const small = path.join(OUT, 'niso', name(path.join(OUT, 'niso')))
const large = path.join(bigOut, name(bigOut))
const inspect = runGroup(
  [
    {
      name: `niso inspect small (${(fs.statSync(small).size / 1e6).toFixed(1)} MB)`,
      command: `${q(NISO)} inspect ${q(small)} >/dev/null`,
    },
    {
      name: `niso inspect large (${(fs.statSync(large).size / 1e6).toFixed(0)} MB)`,
      command: `${q(NISO)} inspect ${q(large)} >/dev/null`,
    },
  ],
  ROUNDS,
)
printGroup('inspect reads only the head', inspect)
gate(check('inspect time ratio large/small package', inspect[1]?.ratio ?? Infinity, 1.3))

const start = runGroup(
  [
    {name: 'node -e 0 (baseline)', command: `${q(process.execPath)} -e 0`},
    {name: 'niso --version', command: `${q(NISO)} --version >/dev/null`},
  ],
  10,
)
printGroup('start-up', start)
gate(check('niso --version gap over node -e 0', (start[1]?.medianMs ?? 0) - (start[0]?.medianMs ?? 0), 150, ' ms'))
fs.rmSync(OUT, {recursive: true, force: true})
if (failed) process.exitCode = 1
