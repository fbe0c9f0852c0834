import fs from 'node:fs'

/** A text file's content, or `fallback` when it cannot be read (absent, gone meanwhile). */
export function readTextOr(file: string, fallback: string): string {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return fallback
  }
}

/** A directory's entry names, or none when it cannot be listed (absent, gone meanwhile). */
export function listDirOr(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return []
  }
}
