import {promises as fs} from 'node:fs'
import path from 'node:path'

/**
 * Copies a directory tree for the runtime store so that it stands alone: regular files and
 * directories are copied with their modes; a symlink that stays inside the tree is kept as is;
 * one that leaves it (an absolute link such as Debian's sitecustomize.py → /etc/…) is replaced by
 * a copy of its target, or left out when that target is missing or not a regular file. Paths in
 * `exclude` (relative to the tree) are left out.
 */
export async function copyTree(from: string, to: string, exclude: readonly string[] = []): Promise<void> {
  const root = await fs.realpath(from)
  await copyDir(root, root, to, new Set(exclude.map((e) => path.join(root, e))))
}

async function copyDir(root: string, dir: string, dest: string, exclude: ReadonlySet<string>): Promise<void> {
  const st = await fs.stat(dir)
  await fs.mkdir(dest, {recursive: true, mode: st.mode & 0o7777})
  for (const e of await fs.readdir(dir, {withFileTypes: true})) {
    const src = path.join(dir, e.name)
    const out = path.join(dest, e.name)
    if (exclude.has(src)) continue
    if (e.isDirectory()) {
      await copyDir(root, src, out, exclude)
    } else if (e.isFile()) {
      await fs.copyFile(src, out)
      await fs.chmod(out, (await fs.stat(src)).mode & 0o7777)
    } else if (e.isSymbolicLink()) {
      const link = await fs.readlink(src)
      const target = path.resolve(dir, link)
      if (!path.isAbsolute(link) && (target === root || target.startsWith(`${root}/`))) {
        await fs.symlink(link, out)
        continue
      }
      const tst = await fs.stat(target).catch(() => undefined)
      if (tst?.isFile()) {
        await fs.copyFile(target, out)
        await fs.chmod(out, tst.mode & 0o7777)
      }
    }
  }
}
