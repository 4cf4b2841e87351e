/** One record as RFC 4180 CSV: a header line, then the values (quoted where needed). */
export function toCsv(record: Record<string, string | number>): string {
  const field = (value: string | number) => {
    const text = String(value)
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
  }
  const line = (values: (string | number)[]) => values.map(field).join(',') + '\r\n'
  return line(Object.keys(record)) + line(Object.values(record))
}
