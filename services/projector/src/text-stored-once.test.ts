import type { XpEvent } from '@xp/events';
import { mulberry32 } from './bench/mixed-events';
import { WordText } from './bench/word-text';
import { exampleEvents, openProjectionFixture, type ProjectionFixture } from './testing/projection-fixture';

/** Every String-typed column of every table in the store, to search for a text wherever it landed. */
async function stringColumns(fx: ProjectionFixture): Promise<Array<{ table: string; name: string }>> {
  return fx.rows(`SELECT table, name FROM system.columns
    WHERE database = currentDatabase() AND type LIKE '%String%' AND table IN (SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree')`);
}

describe('large texts stored once', () => {
  let fx: ProjectionFixture;
  let events: XpEvent[];
  const text = new WordText(mulberry32(5));
  // Characters JSON escapes, and the field's own key quoted inside it: the projector copies these
  // texts from the records' JSON, and events_full must give them back exactly.
  const awkward = 'say "hi" \\ \\"output\\": "x", tab\t, café, 😀, \u0001';
  const output = `OUTPUT-MARKER ${text.next(4096)} ${awkward}`;
  const statement = `STATEMENT-MARKER ${text.next(2048)} ${awkward}`;

  beforeAll(async () => {
    fx = await openProjectionFixture();
    // One sample and one problem carry the marked texts.
    const sample = exampleEvents().find((e) => e.type === 'sample.generated')!;
    const problem = exampleEvents().find((e) => e.type === 'problem.registered')!;
    events = exampleEvents().map((event) => {
      if (event.eventId === sample.eventId && event.type === 'sample.generated') return { ...event, payload: { ...event.payload, output } };
      if (event.eventId === problem.eventId && event.type === 'problem.registered') return { ...event, payload: { ...event.payload, statement } };
      return event;
    });
    await fx.append(events);
    await fx.project();
  });
  afterAll(() => fx.dispose());

  it.each([
    ['a 4 KB output', 'OUTPUT-MARKER', 'samples.output'],
    ['a 2 KB statement', 'STATEMENT-MARKER', 'problems.statement'],
  ])('keeps %s in exactly one column of one row in the whole store', async (_what, marker, where) => {
    const found: string[] = [];
    for (const { table, name } of await stringColumns(fx)) {
      const [{ n }] = await fx.rows<{ n: string }>(`SELECT count() AS n FROM ${table} ARRAY JOIN [toString(${name})] AS value WHERE position(value, '${marker}') > 0`);
      for (let i = 0; i < Number(n); i++) found.push(`${table}.${name}`);
    }
    expect(found).toEqual([where]);
  });

  it('gives every payload back whole in events_full, as the log holds it', async () => {
    const rows = await fx.rows<{ event_id: string; payload: string }>('SELECT toString(event_id) AS event_id, payload FROM events_full');
    const payloads = new Map(rows.map((row) => [row.event_id, JSON.parse(row.payload)]));
    expect(payloads.size).toBe(events.length);
    for (const event of events) expect([event.type, payloads.get(event.eventId)]).toEqual([event.type, event.payload]);
  });
});
