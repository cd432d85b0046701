/** JSONCompactEachRow: one JSON array of values per line. */
export function encodeRows(rows: readonly unknown[][]): string {
  let text = '';
  for (const row of rows) text += JSON.stringify(row) + '\n';
  return text;
}

/**
 * JSONCompactColumns: one JSON array per column. What the projector sends: transposing and a
 * single JSON.stringify cost about half of stringifying row by row, and ClickHouse parses it faster
 * (measured on chDB: encode 310 vs 570 ms, insert 1150 vs 1230 ms for 120k event rows).
 */
export function encodeColumns(rows: readonly unknown[][], columnCount: number): string {
  const columns: unknown[][] = Array.from({ length: columnCount }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < columnCount; c++) columns[c][r] = row[c];
  }
  return JSON.stringify(columns);
}
