import { encodeColumns } from './encode-rows';
import { JsonText, stringTokenOf } from './json-text';

/** The value `stringTokenOf` finds, decoded, next to what JSON.parse makes of the same key. */
function found(json: string, key: string): [unknown, unknown] {
  const token = stringTokenOf(json, key);
  return [token && JSON.parse(token.json), (JSON.parse(json) as { payload: Record<string, unknown> }).payload[key]];
}

describe('stringTokenOf', () => {
  it.each([
    ['plain text', '{"type":"x","payload":{"sampleId":"s","output":"answer = 4"}}'],
    ['escaped quotes and backslashes ending the text', String.raw`{"payload":{"output":"say \"hi\" \\","tokens":3}}`],
    ['the key quoted inside another string first', String.raw`{"payload":{"sampleId":"a\",\"output\":\"no","output":"yes"}}`],
    ['the key quoted inside the value itself', String.raw`{"payload":{"output":"x \"output\": \"y\"","attempt":1}}`],
    ['whitespace around the colon', '{ "payload" : { "output" :\n "spaced" } }'],
    ['non-canonical escapes', String.raw`{"payload":{"output":"caf\u00e9 \/ \ud83d\ude00 \n\t"}}`],
    ['a repeated key (the last one counts)', '{"payload":{"output":"first","output":"last"}}'],
    ['a string value equal to the key', '{"payload":{"purpose":"output","output":"real"}}'],
    ['a later key ending in the quoted key', String.raw`{"payload":{"output":"real","note\"output":"fake"}}`],
  ])('finds the token JSON.parse reads for %s', (_case, json) => {
    const [token, parsed] = found(json, 'output');
    expect(token).toBe(parsed);
  });

  it('finds nothing when the key is absent or holds no string', () => {
    expect(stringTokenOf('{"payload":{"tokens":3}}', 'output')).toBeUndefined();
    expect(stringTokenOf('{"payload":{"output":null}}', 'output')).toBeUndefined();
    expect(stringTokenOf(String.raw`{"payload":{"note":"\"output\":\"x\""}}`, 'output')).toBeUndefined();
  });
});

describe('encodeColumns with JSON text', () => {
  it('splices JSON text verbatim and encodes the other values of its column', () => {
    const body = encodeColumns([[1, new JsonText(String.raw`"a \"b\""`)], [2, 'c'], [3, undefined]], 2);
    expect(body).toBe(String.raw`[[1,2,3],["a \"b\"","c",null]]`);
    expect(JSON.parse(body)).toEqual([[1, 2, 3], ['a "b"', 'c', null]]);
  });
});
