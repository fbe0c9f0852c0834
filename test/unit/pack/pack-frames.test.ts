import assert from 'node:assert/strict'
import {execFileSync, execSync} from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, it} from 'node:test'
import zlib from 'node:zlib'

import {planPack, writePackage} from '../../../dist/system/archive/pack.js'
import {FrameScanner} from '../../../dist/system/archive/zstd-frames.js'
import {WRITE_CHUNK, createCompressor} from '../../../dist/system/archive/zstd.js'
import {runNiso} from '../../helpers/cli.ts'
import {scratchDirs, writeTree} from '../../helpers/scratch.ts'

const tmp = scratchDirs('niso-frames-')

const MANIFEST = `[package]\nname = "app"\nversion = "1.0.0"\narch = "x86_64"\n[runtime]\nuse = "nodejs:20"\n[binary]\nentrypoint = "node"\nargs = ["index.js"]\n`
const NAME = 'app-1.0.0-x86_64.niso'

function tree(files: Record<string, string | Buffer>): string {
  return writeTree(tmp(), {'manifest.toml': MANIFEST, ...files})
}

/** The byte ranges of the zstd frames of `file`, from the frame and block headers. */
function frames(file: Buffer): Buffer[] {
  const scanner = new FrameScanner()
  const out: Buffer[] = []
  let start = 0
  for (let at = 0; at < file.length;) {
    const {length, ends} = scanner.take(file, at)
    at += length
    if (ends) {
      out.push(file.subarray(start, at))
      start = at
    }
  }
  assert.ok(scanner.atBoundary, 'the file ends inside a frame')
  return out
}

/** Entry names of an uncompressed tar stream (regular headers; pax records skipped). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = []
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512)
    if (header.every((b) => b === 0)) break
    const size = Number.parseInt(header.toString('latin1', 124, 136).trim() || '0', 8)
    const type = String.fromCharCode(header[156] ?? 0)
    const prefix = header.toString('latin1', 345, 500).replace(/\0.*$/s, '')
    const name = header.toString('latin1', 0, 100).replace(/\0.*$/s, '')
    if (type !== 'x') names.push(prefix ? `${prefix}/${name}` : name)
    at += 512 + Math.ceil(size / 512) * 512
  }
  return names
}

describe('pack writes two zstd frames: the head, then the payload', () => {
  it('has exactly two frames, the head entries alone in the first, with checksums', () => {
    const dir = tree({'index.js': 'i', 'lib/a.js': 'a'.repeat(10_000), 'data.bin': crypto.randomBytes(100_000)})
    assert.equal(runNiso(['keygen', '--output', path.join(dir, 'keys')]).code, 0)
    fs.writeFileSync(path.join(dir, '.nisoignore'), 'keys/\n')
    const r = runNiso(['pack', '--sign', path.join(dir, 'keys/niso-signing.key'), '--output', dir], {cwd: dir})
    assert.equal(r.code, 0, r.stderr)
    const file = fs.readFileSync(path.join(dir, NAME))
    const [head, payload, ...more] = frames(file)
    assert.ok(head && payload, 'fewer than two frames')
    assert.equal(more.length, 0, 'more than two frames')
    for (const frame of [head, payload]) assert.ok((frame[4] ?? 0) & 0x04, 'frame checksum flag unset')
    assert.deepEqual(tarNames(zlib.zstdDecompressSync(head)), [
      'manifest.toml',
      'checksums.sha256',
      'signature.ed25519',
    ])
    const names = tarNames(zlib.zstdDecompressSync(payload))
    assert.deepEqual(names, ['.nisoignore', 'data.bin', 'index.js', 'lib/', 'lib/a.js'])
  })

  it('reads as one tar through zstd -dc, manifest.toml first', () => {
    const dir = tree({'index.js': 'i', 'z.txt': 'z'})
    assert.equal(runNiso(['pack', '--output', dir], {cwd: dir}).code, 0)
    const listed = execSync(`zstd -dc ${JSON.stringify(path.join(dir, NAME))} | tar -t`, {encoding: 'utf8'})
    assert.deepEqual(listed.trim().split('\n'), ['manifest.toml', 'checksums.sha256', 'index.js', 'z.txt'])
  })

  it('gives the same bytes twice for a payload of several slabs', () => {
    const files: Record<string, Buffer> = {'index.js': Buffer.from('main')}
    // Text-like and random content across more than one 8 MiB slab: flush points must not move.
    for (let i = 0; i < 5; i++) files[`data/${i}.bin`] = crypto.randomBytes(2 * 1024 * 1024)
    for (let i = 0; i < 300; i++) files[`src/f${i}.js`] = Buffer.from(`export const v${i} = ${i}\n`.repeat(200))
    const dir = tree(files)
    const a = tmp('niso-out-')
    const b = tmp('niso-out-')
    assert.equal(runNiso(['pack', '--output', a], {cwd: dir}).code, 0)
    assert.equal(runNiso(['pack', '--output', b], {cwd: dir}).code, 0)
    const first = fs.readFileSync(path.join(a, NAME))
    assert.ok(first.equals(fs.readFileSync(path.join(b, NAME))), 'repack differs')
    assert.deepEqual(fs.readdirSync(a), [NAME], 'temp files left behind')
    assert.equal(frames(first).length, 2)
    const x = tmp('niso-x-')
    execFileSync('tar', ['--zstd', '-xf', path.join(a, NAME), '-C', x])
    assert.equal(execFileSync('sha256sum', ['--quiet', '-c', 'checksums.sha256'], {cwd: x, encoding: 'utf8'}), '')
  })
})

describe('the payload compressor', () => {
  /** `data` in WRITE_CHUNK writes, each compressed before the next, as pack feeds it. */
  async function compress(data: Buffer, workers: number): Promise<Buffer> {
    const z = createCompressor(3, workers)
    const out: Buffer[] = []
    const drained = (async () => {
      for await (const chunk of z as AsyncIterable<Buffer>) out.push(chunk)
    })()
    for (let at = 0; at < data.length; at += WRITE_CHUNK) {
      const piece = data.subarray(at, at + WRITE_CHUNK)
      await new Promise<void>((resolve, reject) => z.write(piece, (error) => (error ? reject(error) : resolve())))
    }
    z.end()
    await drained
    return Buffer.concat(out)
  }

  it('writes the same bytes with 1, 2 or 3 workers, so the package does not depend on the machine', async () => {
    const text = Buffer.from('export function f(a, b) { return a + b }\n'.repeat(300_000))
    const data = Buffer.concat([text, crypto.randomBytes(5 * 1024 * 1024), text.subarray(0, 3_000_000)])
    const one = await compress(data, 1)
    assert.ok(data.length > 2 * WRITE_CHUNK, 'the input spans several writes')
    assert.ok((await compress(data, 2)).equals(one), '2 workers')
    assert.ok((await compress(data, 3)).equals(one), '3 workers')
    assert.deepEqual(zlib.zstdDecompressSync(one), data)
  })
})

describe('pack refuses files that change while it reads them', () => {
  /** Runs `change` once, right before the first read of `victim`, through the real fs module. */
  async function packWhile(dir: string, victim: string, change: () => void): Promise<unknown> {
    const out = tmp('niso-out-')
    const request = {dir, outputDir: out, level: 3}
    const plan = planPack(request)
    const readSync = fs.readSync
    let done = false
    const patched = ((fd: number, ...rest: unknown[]) => {
      if (!done && fs.readlinkSync(`/proc/self/fd/${fd}`) === victim) {
        done = true
        change()
      }
      return (readSync as (...args: unknown[]) => number)(fd, ...rest)
    }) as typeof fs.readSync
    fs.readSync = patched
    try {
      await writePackage(plan, request)
      return undefined
    } catch (error) {
      return error
    } finally {
      fs.readSync = readSync
      assert.deepEqual(fs.readdirSync(out), [], 'a package or temp file was left behind')
    }
  }

  it('refuses a file that gets shorter, with one line naming it', async () => {
    const dir = tree({'index.js': 'i', 'data/big.bin': crypto.randomBytes(3 * 1024 * 1024)})
    const big = path.join(dir, 'data/big.bin')
    const error = await packWhile(dir, big, () => fs.truncateSync(big, 1000))
    assert.deepEqual(
      {code: (error as {code?: string}).code, message: (error as Error).message},
      {code: 'E_PACK_CHANGED', message: 'data/big.bin: changed while packing (it got shorter)'},
    )
  })

  it('refuses a path that is no longer a regular file', async () => {
    for (const swap of ['dir', 'fifo'] as const) {
      const dir = tree({'index.js': 'i', 'late.txt': 'x'})
      const plan = planPack({dir, outputDir: dir, level: 3})
      const late = path.join(dir, 'late.txt')
      fs.rmSync(late)
      if (swap === 'dir') fs.mkdirSync(late)
      else execFileSync('mkfifo', [late])
      const out = tmp('niso-out-')
      await assert.rejects(writePackage(plan, {dir, outputDir: out, level: 3}), {
        code: 'E_PACK_CHANGED',
        message: 'late.txt: is no longer a regular file',
      })
      assert.deepEqual(fs.readdirSync(out), [], swap)
    }
  })
})
