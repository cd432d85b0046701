/** JSONCompactEachRow: one JSON array of values per line. */
export function encodeRows(rows: readonly unknown[][]): Buffer {
  let text = '';
  for (const row of rows) text += JSON.stringify(row) + '\n';
  return Buffer.from(text, 'utf8');
}
