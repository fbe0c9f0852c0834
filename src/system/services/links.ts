import {randomBytes} from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** A symlink's target, or undefined when there is no symlink there. */
export async function readLink(link: string): Promise<string | undefined> {
  return readLinkNow(link)
}

/**
 * Points `link` at `target` atomically: a new symlink under a temp name, renamed over the old one,
 * so systemd and readers see the old target or the new one, never nothing. `undefined` removes
 * the link. Returns an undo that puts back what was there. (Synchronous inside: three system calls
 * cost less than their awaits.)
 */
export async function swapLink(link: string, target: string | undefined): Promise<() => Promise<void>> {
  const before = readLinkNow(link)
  setLink(link, target)
  return async () => setLink(link, before)
}

function readLinkNow(link: string): string | undefined {
  try {
    return fs.readlinkSync(link)
  } catch {
    return undefined
  }
}

function setLink(link: string, target: string | undefined): void {
  if (target === undefined) {
    fs.rmSync(link, {force: true})
    return
  }
  fs.mkdirSync(path.dirname(link), {recursive: true})
  const tmp = path.join(path.dirname(link), `.${path.basename(link)}.niso-${randomBytes(4).toString('hex')}`)
  fs.symlinkSync(target, tmp)
  try {
    fs.renameSync(tmp, link)
  } catch (error) {
    fs.rmSync(tmp, {force: true})
    throw error
  }
}
