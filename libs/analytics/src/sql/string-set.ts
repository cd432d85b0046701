/**
 * A large set of strings as one query parameter. ClickHouse parses an `Array(String)` parameter as an
 * SQL literal, quotes and commas included; the same values as TSV lines read through `format()` cost
 * about half (20,000 event ids: ~45 vs ~105 ms of CPU on chDB). Use as `x IN ${inStringSet('ids')}`
 * with `{ ids: stringSetParam(values) }`.
 */
export function inStringSet(param: string): string {
  return `(SELECT value FROM format(TSV, 'value String', {${param}:String}))`;
}

/**
 * The values as TSV lines, escaped so that any string (tabs, newlines, backslashes) reads back as
 * itself. `format()` cannot read an empty input, so an empty set is refused: skip the query instead.
 */
export function stringSetParam(values: Iterable<string>): string {
  let text = '';
  for (const value of values) text += (NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, escape) : value) + '\n';
  if (text === '') throw new RangeError('a string set parameter needs at least one value; skip the query when there is none');
  return text;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function escape(char: string): string {
  return ESCAPED[char];
}
