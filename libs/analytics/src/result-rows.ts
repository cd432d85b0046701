/**
 * The rows of a JSONEachRow or JSONCompactEachRow result. Every row is one JSON value on one line,
 * so the whole text parses as one array: a single JSON.parse instead of the client's row stream,
 * which costs about 0.4 ms of setup per statement, more than parsing a page of rows.
 */
export async function resultRows<T>(result: { text(): Promise<string> }): Promise<T[]> {
  const text = (await result.text()).trimEnd();
  return text === '' ? [] : (JSON.parse(`[${text.replaceAll('\n', ',')}]`) as T[]);
}
