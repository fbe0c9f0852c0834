import {NisoError} from '../errors.js'

const C_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  t: '\t',
  r: '\r',
  v: '\v',
  f: '\f',
  a: '\x07',
  b: '\b',
  '\\': '\\',
  '"': '"',
  "'": "'",
  ' ': ' ',
  ';': ';',
}

/**
 * A systemd command line (as the SDK's `commandLine`/`execLine` write it) → the argv systemd
 * executes: words split on whitespace, double or single quotes with C escapes (\n, \xNN, …),
 * "%%" → "%", "$$" → "$" and a lone "\;" → ";".
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = []
  let word = ''
  let inWord = false
  let quote: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string
    if (!quote && /\s/.test(c)) {
      if (inWord) words.push(word)
      word = ''
      inWord = false
      continue
    }
    inWord = true
    if (quote && c === quote) {
      quote = undefined
    } else if (!quote && (c === '"' || c === "'")) {
      quote = c
    } else if (c === '\\') {
      const next = line[i + 1] ?? ''
      if (next === 'x') {
        word += String.fromCharCode(Number.parseInt(line.slice(i + 2, i + 4), 16))
        i += 3
      } else {
        const escaped = C_ESCAPES[next]
        if (escaped === undefined) throw commandError(line, `unknown escape \\${next}`)
        word += escaped
        i += 1
      }
    } else if ((c === '%' || c === '$') && line[i + 1] === c) {
      word += c
      i += 1
    } else {
      word += c
    }
  }
  if (quote) throw commandError(line, 'unterminated quote')
  if (inWord) words.push(word)
  if (words.length === 0) throw commandError(line, 'empty command')
  return words
}

function commandError(line: string, why: string): NisoError {
  return new NisoError('E_UNIT_COMMAND', `ExecStart=${line}: ${why}`)
}
