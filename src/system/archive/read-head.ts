import crypto from 'node:crypto'
import fs from 'node:fs'

import type {Manifest} from '@niso/plugin-sdk'

import {NisoError, isNisoError, messageOf} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {CHECKSUMS_ENTRY, MANIFEST_ENTRY, SIGNATURE_ENTRY, parseChecksums} from '../../core/package/format.js'
import {BLOCK, type DecodedHeader, decodeHeader, paddingOf} from './tar-writer.js'
import {createDecompressor} from './zstd.js'

/**
 * Reads only the head of a .niso: manifest.toml, checksums.sha256 and signature.ed25519 when
 * present. Decompression stops right after them, so the cost does not grow with the payload. The
 * manifest is checked against its checksum line; trust (the signature) is the caller's business.
 */
export interface PackageHead {
  readonly manifestText: string
  readonly manifest: Manifest
  readonly checksumsText: string
  readonly checksums: Map<string, string>
  readonly signatureText?: string
}

const LIMITS: Readonly<Record<string, number>> = {
  [MANIFEST_ENTRY]: 1024 * 1024,
  [CHECKSUMS_ENTRY]: 256 * 1024 * 1024,
  [SIGNATURE_ENTRY]: 16 * 1024,
}

export async function readPackageHead(file: string): Promise<PackageHead> {
  const texts = await readHeadEntries(file)
  const manifestText = texts.get(MANIFEST_ENTRY)
  const checksumsText = texts.get(CHECKSUMS_ENTRY)
  if (manifestText === undefined || checksumsText === undefined) {
    throw new NisoError('E_PACKAGE', `${file}: not a niso package (no ${CHECKSUMS_ENTRY} after ${MANIFEST_ENTRY})`)
  }
  const checksums = parseChecksums(checksumsText.toString('utf8'), `${file}: ${CHECKSUMS_ENTRY}`)
  if (checksums.get(MANIFEST_ENTRY) !== crypto.hash('sha256', manifestText)) {
    throw new NisoError('E_PACKAGE', `${file}: ${MANIFEST_ENTRY} does not match its line in ${CHECKSUMS_ENTRY}`)
  }
  const text = manifestText.toString('utf8')
  const signature = texts.get(SIGNATURE_ENTRY)
  return {
    manifestText: text,
    manifest: parseManifest(text, `${file}: ${MANIFEST_ENTRY}`),
    checksumsText: checksumsText.toString('utf8'),
    checksums,
    ...(signature === undefined ? {} : {signatureText: signature.toString('utf8')}),
  }
}

/** Decompresses entries from the start until the head is complete; returns name → bytes. */
async function readHeadEntries(file: string): Promise<Map<string, Buffer>> {
  let stats: fs.Stats
  try {
    stats = await fs.promises.stat(file)
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error)
    throw new NisoError('E_PACKAGE', `${file}: ${why}`)
  }
  if (!stats.isFile()) throw new NisoError('E_PACKAGE', `${file}: not a file`)
  const source = fs.createReadStream(file, {highWaterMark: 64 * 1024})
  const z = createDecompressor()
  source.on('error', (error) => z.destroy(error))
  source.pipe(z)
  const found = new Map<string, Buffer>()
  const expected = [MANIFEST_ENTRY, CHECKSUMS_ENTRY, SIGNATURE_ENTRY]
  let pending: Buffer = Buffer.alloc(0)
  let current: {name: string; size: number} | undefined
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk])
      for (;;) {
        if (current === undefined) {
          if (pending.length < BLOCK) break
          const header = decode(file, pending.subarray(0, BLOCK))
          const index = found.size
          const want = expected[index] as string
          if (header === null || (want === SIGNATURE_ENTRY && header.name !== want)) return found
          if (header.name !== want || header.type !== 'file') {
            throw new NisoError('E_PACKAGE', `${file}: entry ${index + 1} is "${header.name}", expected ${want}`)
          }
          if (header.size > (LIMITS[want] ?? 0)) {
            throw new NisoError('E_PACKAGE', `${file}: ${want} is too large (${header.size} bytes)`)
          }
          current = {name: want, size: header.size}
          pending = pending.subarray(BLOCK)
        }
        const entry: {name: string; size: number} = current
        const need = entry.size + paddingOf(entry.size)
        if (pending.length < need) break
        found.set(entry.name, Buffer.from(pending.subarray(0, entry.size)))
        pending = pending.subarray(need)
        current = undefined
        if (found.size === 3) return found
      }
    }
    if (found.size < 2) throw new NisoError('E_PACKAGE', `${file}: not a niso package (archive ends early)`)
    return found
  } catch (error) {
    if (isNisoError(error)) throw error
    throw new NisoError('E_PACKAGE', `${file}: not a niso package (${messageOf(error)})`)
  } finally {
    source.unpipe(z)
    source.destroy()
    z.destroy()
  }
}

function decode(file: string, block: Buffer): DecodedHeader | null {
  try {
    return decodeHeader(block)
  } catch (error) {
    throw new NisoError('E_PACKAGE', `${file}: not a niso package (${messageOf(error)})`)
  }
}
