import {randomBytes} from 'node:crypto'
import {promises as fs} from 'node:fs'
import path from 'node:path'

/** A symlink's target, or undefined when there is no symlink there. */
export async function readLink(link: string): Promise<string | undefined> {
  try {
    return await fs.readlink(link)
  } catch {
    return undefined
  }
}

/**
 * Points `link` at `target` atomically: a new symlink under a temp name, renamed over the old one,
 * so systemd and readers see the old target or the new one, never nothing. `undefined` removes
 * the link. Returns an undo that puts back what was there.
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
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.niso-${randomBytes(4).toString('hex')}`)
  await fs.symlink(target, tmp)
  try {
    await fs.rename(tmp, link)
  } catch (error) {
    await fs.rm(tmp, {force: true})
    throw error
  }
}
