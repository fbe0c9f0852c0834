import crypto from 'node:crypto'
import fs from 'node:fs'

import {NisoError, messageOf} from '../../core/errors.js'

/** SHA-256 of a file, streamed in 1 MiB reads. */
export async function hashFile(file: string): Promise<{sha256: string; size: number}> {
  const hash = crypto.createHash('sha256')
  let size = 0
  try {
    const stat = fs.statSync(file)
    if (!stat.isFile()) throw new NisoError('E_ARCHIVE_READ', `${file}: not a regular file`)
    for await (const chunk of fs.createReadStream(file, {highWaterMark: 1024 * 1024})) {
      hash.update(chunk as Buffer)
      size += (chunk as Buffer).length
    }
  } catch (error) {
    if (error instanceof NisoError) throw error
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : messageOf(error)
    throw new NisoError('E_ARCHIVE_READ', `${file}: ${why}`)
  }
  return {sha256: hash.digest('hex'), size}
}
