import {spawn} from 'node:child_process'
import {constants, promises as fs} from 'node:fs'
import path from 'node:path'

/** The host's standard PATH, searched for runtimes (never the invoking shell's PATH, which may hold shims). */
export const STANDARD_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const

export async function findOnStandardPath(name: string): Promise<string | undefined> {
  if (name.includes('/')) return undefined
  for (const dir of STANDARD_PATH) {
    const candidate = path.join(dir, name)
    const ok = await fs.access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    )
    if (ok && (await fs.stat(candidate)).isFile()) return candidate
  }
  return undefined
}

export interface Captured {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs a program with no stdin and captures its output; a missing program is exit 127, a timeout 124. */
export function capture(
  file: string,
  args: readonly string[],
  opts: {cwd?: string; timeoutMs?: number} = {},
): Promise<Captured> {
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 300_000,
      env: {...process.env, LC_ALL: 'C'},
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', (e: NodeJS.ErrnoException) =>
      resolve({code: e.code === 'ENOENT' ? 127 : 1, stdout, stderr: stderr || e.message}),
    )
    child.on('close', (code, signal) => resolve({code: code ?? (signal === 'SIGTERM' ? 124 : 128), stdout, stderr}))
  })
}
