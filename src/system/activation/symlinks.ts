import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

/** Reads a symlink's target, or undefined when there is no symlink there. */
export async function readLink(link: string): Promise<string | undefined> {
  try {
    return await fs.readlink(link)
  } catch {
    return undefined
  }
}

/**
 * Points `link` at `target` atomically (a new symlink under a temp name, renamed over the old
 * one), so readers see the old target or the new one, never nothing. `undefined` removes it.
 * Returns an undo that restores what was there before.
 */
export async function swapLink(link: string, target: string | undefined): Promise<() => Promise<void>> {
  const before = await readLink(link)
  await setLink(link, target)
  return () => setLink(link, before)
}

async function setLink(link: string, target: string | undefined): Promise<void> {
  if (target === undefined) {
    await fs.rm(link, {force: true})
    return
  }
  await fs.mkdir(path.dirname(link), {recursive: true})
  const tmp = `${link}.niso-${randomBytes(4).toString('hex')}`
  await fs.symlink(target, tmp)
  await fs.rename(tmp, link)
}
