/**
 * Plain aligned columns for listings: a header row, two spaces between columns, no borders.
 * The header is bold only on a terminal that accepts colour (never when piped or with NO_COLOR).
 */
export interface Column<T> {
  readonly header: string
  readonly value: (row: T) => string
  /** Right-align (numbers, sizes). */
  readonly right?: boolean
}

export function renderTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: {color?: boolean} = {},
): string {
  const cells = rows.map((r) => columns.map((c) => oneLine(c.value(r))))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => (row[i] ?? '').length)))
  const line = (values: readonly string[]): string =>
    values
      .map((v, i) => {
        const w = widths[i] ?? 0
        if (i === values.length - 1 && !columns[i]?.right) return v
        return columns[i]?.right ? v.padStart(w) : v.padEnd(w)
      })
      .join('  ')
      .trimEnd()
  const header = line(columns.map((c) => c.header))
  const color = options.color ?? useColor(process.stdout)
  return [color ? `\u001b[1m${header}\u001b[22m` : header, ...cells.map(line)].join('\n') + '\n'
}

export function useColor(stream: {isTTY?: boolean}): boolean {
  return stream.isTTY === true && !process.env.NO_COLOR && process.env.TERM !== 'dumb'
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]/g, ' ')
}
