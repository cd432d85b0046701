import { JsonText } from './json-text';

/** JSONCompactEachRow: one JSON array of values per line. */
export function encodeRows(rows: readonly unknown[][]): string {
  let text = '';
  for (const row of rows) text += JSON.stringify(row) + '\n';
  return text;
}

/**
 * JSONCompactColumns: one JSON array per column. What the projector sends: transposing and a
 * single JSON.stringify cost about half of stringifying row by row, and ClickHouse parses it faster
 * (measured on chDB: encode 310 vs 570 ms, insert 1150 vs 1230 ms for 120k event rows). Values that
 * are `JsonText` go in verbatim (a column of them is joined, not stringified).
 */
export function encodeColumns(rows: readonly unknown[][], columnCount: number): string {
  const columns: unknown[][] = Array.from({ length: columnCount }, () => new Array(rows.length));
  const verbatim = new Array<boolean>(columnCount).fill(false);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < columnCount; c++) {
      const value = row[c];
      columns[c][r] = value;
      if (value instanceof JsonText) verbatim[c] = true;
    }
  }
  return `[${columns.map((column, c) => (verbatim[c] ? joinVerbatim(column) : JSON.stringify(column))).join(',')}]`;
}

function joinVerbatim(column: unknown[]): string {
  return `[${column.map((value) => (value instanceof JsonText ? value.json : JSON.stringify(value) ?? 'null')).join(',')}]`;
}
