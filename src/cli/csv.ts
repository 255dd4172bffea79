// CSV as RFC 4180 has it, for `baton map`'s input and output: fields separated by commas, quoted with
// `"` when they hold a comma, a quote or a line break, a quote inside written `""`.

/** The fields of one record, or undefined when a quoted field is still open at the end of `text`. */
export function parseCsvLine(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

/** One CSV record (without its line break) from already formatted cells. */
export function formatCsvRow(cells: readonly string[]): string {
  return cells.map((cell) => (/[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell)).join(',');
}
