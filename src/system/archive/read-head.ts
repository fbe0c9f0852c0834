import crypto from 'node:crypto'
import fs from 'node:fs'

import type {Manifest} from '@niso/plugin-sdk'

import {NisoError, isNisoError, messageOf} from '../../core/errors.js'
import {parseManifest} from '../../core/manifest/parse.js'
import {
  CHECKSUMS_ENTRY,
  HEAD_ENTRIES,
  MANIFEST_ENTRY,
  SIGNATURE_ENTRY,
  parseChecksums,
} from '../../core/package/format.js'
import {PAUSE, TarReader, collectEntry} from './tar-reader.js'
import {ZstdFramesDecompress} from './zstd-frames.js'

/**
 * Reads only the head of a .niso: manifest.toml, checksums.sha256 and signature.ed25519 when
 * present. Decompression stops right after them, so the cost does not grow with the payload. The
 * manifest is checked against its checksum line; trust (the signature) is the caller's business.
 */
export interface PackageHead {
  /** The package file's size in bytes. */
  readonly size: number
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
  const {texts, size} = await readHeadEntries(file)
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
    size,
    manifestText: text,
    manifest: parseManifest(text, `${file}: ${MANIFEST_ENTRY}`),
    checksumsText: checksumsText.toString('utf8'),
    checksums,
    ...(signature === undefined ? {} : {signatureText: signature.toString('utf8')}),
  }
}

/** Decompresses from the start until the head is complete; returns name → bytes, and the file's size. */
async function readHeadEntries(file: string): Promise<{texts: Map<string, Buffer>; size: number}> {
  let stats: fs.Stats
  try {
    stats = await fs.promises.stat(file)
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : messageOf(error)
    throw new NisoError('E_PACKAGE', `${file}: ${why}`)
  }
  if (!stats.isFile()) throw new NisoError('E_PACKAGE', `${file}: not a file`)
  const source = fs.createReadStream(file, {highWaterMark: 64 * 1024})
  const frames = new ZstdFramesDecompress(256 * 1024)
  source.on('error', (error) => frames.destroy(error))
  source.pipe(frames)
  const found = new Map<string, Buffer>()
  const reader = new TarReader({
    entry: (h) => {
      const want = HEAD_ENTRIES[found.size]
      // The head is complete at the first entry past it.
      if (want === undefined || (want === SIGNATURE_ENTRY && h.name !== want)) return PAUSE
      if (h.name !== want || h.type !== 'file') {
        throw new NisoError('E_PACKAGE', `${file}: entry ${found.size + 1} is "${h.name}", expected ${want}`)
      }
      if (h.size > (LIMITS[want] ?? 0)) {
        throw new NisoError('E_PACKAGE', `${file}: ${want} is too large (${h.size} bytes)`)
      }
      return collectEntry((bytes) => found.set(want, bytes))
    },
  })
  try {
    for await (const chunk of frames as AsyncIterable<Buffer>) {
      reader.push(chunk)
      if (reader.paused) return {texts: found, size: stats.size}
    }
    if (found.size < 2) throw new NisoError('E_PACKAGE', `${file}: not a niso package (archive ends early)`)
    return {texts: found, size: stats.size}
  } catch (error) {
    if (isNisoError(error)) throw error
    throw new NisoError('E_PACKAGE', `${file}: not a niso package (${messageOf(error)})`)
  } finally {
    source.unpipe(frames)
    source.destroy()
    frames.destroy()
  }
}
