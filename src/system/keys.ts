import fs from 'node:fs/promises'
import path from 'node:path'

import {NisoError, messageOf} from '../core/errors.js'
import {
  type PublicKey,
  type SecretKey,
  decodePublicKey,
  decodeSecretKey,
  encodePublicKey,
  encodeSecretKey,
  generateKeyPair,
} from '../core/package/signing.js'

/** Key files on disk: `niso keygen` writes them, pack reads the secret half, install the public ones. */
export const SECRET_KEY_FILE = 'niso-signing.key'
export const PUBLIC_KEY_FILE = 'niso-signing.pub'

export interface WrittenKeyPair {
  readonly keyId: string
  readonly secretPath: string
  readonly publicPath: string
}

/**
 * Generates a key pair into `dir` (created if missing): the secret key with mode 0600, the public
 * key 0644. Refuses to replace an existing key file unless `force`. Each file is written to a temp
 * name, fsynced, then linked (no overwrite) or renamed (force) into place, so no half-written key
 * is ever visible.
 */
export async function writeKeyPair(dir: string, options: {force?: boolean} = {}): Promise<WrittenKeyPair> {
  const force = options.force ?? false
  const secretPath = path.join(dir, SECRET_KEY_FILE)
  const publicPath = path.join(dir, PUBLIC_KEY_FILE)
  await fs.mkdir(dir, {recursive: true}).catch((error: unknown) => {
    throw new NisoError('E_KEYGEN', `${dir}: cannot create directory (${messageOf(error)})`)
  })
  if (!force) {
    for (const file of [secretPath, publicPath]) {
      if (await exists(file)) {
        throw new NisoError('E_KEY_EXISTS', `${file} already exists (use --force to replace it)`)
      }
    }
  }
  const key = generateKeyPair()
  await writeFileAtomic(secretPath, encodeSecretKey(key), 0o600, force)
  await writeFileAtomic(publicPath, encodePublicKey(key), 0o644, force)
  return {keyId: key.keyId, secretPath, publicPath}
}

export async function readSecretKey(file: string): Promise<SecretKey> {
  return decodeSecretKey(await readKeyText(file), file)
}

export async function readPublicKey(file: string): Promise<PublicKey> {
  return decodePublicKey(await readKeyText(file), file)
}

/** Every `*.pub` in `dir` (e.g. /etc/niso/trusted-keys), in name order; none when `dir` is absent. */
export async function readTrustedKeys(dir: string): Promise<PublicKey[]> {
  let names: string[]
  try {
    names = await fs.readdir(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new NisoError('E_KEY', `${dir}: cannot read trusted keys (${messageOf(error)})`)
  }
  const files = names.filter((n) => n.endsWith('.pub')).sort()
  return Promise.all(files.map((n) => readPublicKey(path.join(dir, n))))
}

async function readKeyText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such key file' : code === 'EISDIR' ? 'is a directory' : messageOf(error)
    throw new NisoError('E_KEY', `${file}: ${why}`)
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file)
    return true
  } catch {
    return false
  }
}

async function writeFileAtomic(file: string, text: string, mode: number, replace: boolean): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`)
  await fs.rm(tmp, {force: true})
  const handle = await fs.open(tmp, 'wx', mode)
  try {
    await handle.writeFile(text)
    await handle.chmod(mode)
    await handle.sync()
  } finally {
    await handle.close()
  }
  try {
    if (replace) {
      await fs.rename(tmp, file)
    } else {
      await fs.link(tmp, file)
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new NisoError('E_KEY_EXISTS', `${file} already exists (use --force to replace it)`)
    }
    throw new NisoError('E_KEYGEN', `${file}: cannot write (${messageOf(error)})`)
  } finally {
    await fs.rm(tmp, {force: true})
  }
}
