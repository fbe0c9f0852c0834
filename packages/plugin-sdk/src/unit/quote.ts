/**
 * systemd quoting, modelled on podman's pkg/systemd/parser/split.go (itself a port of systemd's
 * extract_first_word/cescape): one function decides how a word is written in a unit file.
 *
 * - A word with whitespace, quotes, backslashes or control characters is double-quoted, with
 *   C escapes inside (\n, \t, \\, \", \xNN); an empty word is "".
 * - "%" is doubled wherever systemd expands specifiers (every quoting mode; `escapeSpecifiers`
 *   does it alone for unquoted values).
 * - In command lines ("exec"), "$" is doubled (no variable expansion) and a lone ";" is escaped
 *   (it would separate commands).
 */
export type QuoteMode = 'word' | 'exec'

const NEEDS_QUOTES = /[\s"'\\\x00-\x1f\x7f]/
const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\t': '\\t',
  '\r': '\\r',
  '\v': '\\v',
  '\f': '\\f',
  '\x07': '\\a',
  '\b': '\\b',
}

/** One word, quoted for a unit file. */
export function quoteWord(word: string, mode: QuoteMode = 'word'): string {
  let escaped = escapeSpecifiers(word)
  if (mode === 'exec') {
    escaped = escaped.replaceAll('$', '$$$$')
    if (escaped === ';') return '\\;'
  }
  if (escaped !== '' && !NEEDS_QUOTES.test(escaped)) return escaped
  const inner = escaped.replace(
    /[\\"\x00-\x1f\x7f]/g,
    (c) => NAMED_ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  )
  return `"${inner}"`
}

/** "%" → "%%", so systemd writes the value literally instead of expanding a specifier. */
export function escapeSpecifiers(value: string): string {
  return value.replaceAll('%', '%%')
}

/**
 * One ExecStart= (or ExecStartPre=…) command line from an argv: each word quoted by systemd's
 * rules, "%" and "$" doubled so no specifier or variable is expanded.
 */
export function commandLine(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('commandLine: empty command')
  return argv.map((word) => quoteWord(word, 'exec')).join(' ')
}
