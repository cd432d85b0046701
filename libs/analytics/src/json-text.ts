/**
 * A value already encoded as JSON, spliced into an insert body as is. A kilobyte completion read
 * from the log is JSON text already; decoding it and encoding it again for ClickHouse cost the
 * projector about as much as ClickHouse spent inserting it.
 */
export class JsonText {
  constructor(readonly json: string) {}
}

/**
 * The string token (quotes included) that the object key `key` holds in `json`, the text of a
 * schema-valid event; undefined when the key is absent or holds no string. Sound only for a key that no
 * nested object of the event may carry (the schemas close every object with `additionalProperties:
 * false`): a quote that opens a key follows `{` or `,`, which no quote inside a string can (there it
 * is escaped). The last such key wins, as in `JSON.parse`.
 */
export function stringTokenOf(json: string, key: string): JsonText | undefined {
  // One pass forward: a key's value ends before the next key can start, so the search for a later
  // key resumes past it; scanning back from the end would cross a completion twice.
  const needle = `"${key}"`;
  let found: JsonText | undefined;
  for (let at = json.indexOf(needle); at >= 0; at = json.indexOf(needle, at + needle.length)) {
    if (!opensKey(json, at)) continue;
    let i = skipSpace(json, at + needle.length);
    if (json[i] !== ':') continue;
    i = skipSpace(json, i + 1);
    if (json[i] !== '"') {
      found = undefined;
      continue;
    }
    const end = closingQuote(json, i + 1);
    if (end < 0) return undefined;
    found = new JsonText(json.slice(i, end + 1));
    at = end + 1 - needle.length;
  }
  return found;
}

function opensKey(json: string, quote: number): boolean {
  let i = quote - 1;
  while (i >= 0 && isSpace(json.charCodeAt(i))) i--;
  return json[i] === '{' || json[i] === ',';
}

function skipSpace(json: string, from: number): number {
  let i = from;
  while (i < json.length && isSpace(json.charCodeAt(i))) i++;
  return i;
}

/** The first quote from `from` on that no odd run of backslashes escapes. */
function closingQuote(json: string, from: number): number {
  for (let i = json.indexOf('"', from); i >= 0; i = json.indexOf('"', i + 1)) {
    let backslashes = 0;
    while (json.charCodeAt(i - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return i;
  }
  return -1;
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}
