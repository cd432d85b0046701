import { resultRows } from './result-rows';

const result = (text: string) => ({ text: async () => text });

describe('resultRows', () => {
  it('reads each line of a JSONEachRow or JSONCompactEachRow text as one row', async () => {
    expect(await resultRows(result('{"id":"a","n":1}\n{"id":"b","n":2}\n'))).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    expect(await resultRows(result('["a",1]\n["b\\nc",2]\n'))).toEqual([['a', 1], ['b\nc', 2]]);
  });

  it('reads an empty result as no rows', async () => {
    expect(await resultRows(result(''))).toEqual([]);
    expect(await resultRows(result('\n'))).toEqual([]);
  });
});
