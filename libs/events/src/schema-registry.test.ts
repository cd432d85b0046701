import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { EVENT_SCHEMA_DIR, SchemaRegistry } from './schema-registry';
import { EVENT_TYPES } from './types';
import { parseEventLine, MAX_LINE_BYTES } from './ndjson';
import { EventFactory } from './event-factory';
import { uuidv7, uuidv7Timestamp } from './uuidv7';

const examplesDir = join(EVENT_SCHEMA_DIR, '../examples');
const registry = new SchemaRegistry();

function example(type: string): Record<string, any> {
  return JSON.parse(readFileSync(join(examplesDir, `${type}.ndjson`), 'utf8').split('\n')[0]);
}

describe('event schemas', () => {
  it('has a schema and at least one valid example for every event type', () => {
    const files = readdirSync(examplesDir);
    for (const type of EVENT_TYPES) {
      expect(registry.supportedVersions(type)).toEqual([1]);
      expect(files).toContain(`${type}.ndjson`);
      const lines = readFileSync(join(examplesDir, `${type}.ndjson`), 'utf8').trim().split('\n');
      for (const line of lines) expect(registry.validate(JSON.parse(line))).toMatchObject({ ok: true });
    }
  });

  it('keeps the generated TypeScript types in step with the schemas', () => {
    const script = join(__dirname, '../scripts/generate-types.js');
    const result = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('names the field and the problem for payload errors', () => {
    const event = example('sample.generated');
    event.payload.attempt = 1.5;
    delete event.payload.checkpointId;
    event.payload.colour = 'red';
    const result = registry.validate(event);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual(
      expect.arrayContaining([
        { path: '/payload/attempt', message: 'must be integer' },
        { path: '/payload/checkpointId', message: 'is required' },
        { path: '/payload/colour', message: 'is not an allowed field' },
      ]),
    );
  });

  it('counts string lengths in characters, astral ones included, for the bound and for its issue', () => {
    const event = example('sample.generated');
    // 100 characters, 200 UTF-16 units: within producer's maxLength of 100.
    event.producer = '\u{1F600}'.repeat(100);
    expect(registry.validate(event)).toMatchObject({ ok: true });
    event.producer += 'x';
    expect(registry.validate(event)).toEqual({ ok: false, issues: [{ path: '/producer', message: 'must NOT have more than 100 characters' }] });
  });

  it('rejects unknown types, unsupported versions and broken envelopes with a reason', () => {
    expect(registry.validate({ ...example('run.started'), type: 'run.paused' })).toMatchObject({
      ok: false,
      issues: [{ path: '/type', message: expect.stringContaining("unknown event type 'run.paused'") }],
    });
    expect(registry.validate({ ...example('run.started'), schemaVersion: 2 })).toMatchObject({
      ok: false,
      issues: [{ path: '/schemaVersion', message: '2 is not a supported version of run.started (supported: 1)' }],
    });
    expect(registry.validate({ ...example('run.started'), eventId: 'not-a-uuid' })).toMatchObject({
      ok: false,
      issues: [{ path: '/eventId', message: expect.stringContaining('must match pattern') }],
    });
    expect(registry.validate([1, 2])).toMatchObject({ ok: false, issues: [{ path: '', message: 'event must be a JSON object' }] });
    const verdict = example('sample.verified');
    verdict.payload.verdict = 'maybe';
    expect(registry.validate(verdict)).toMatchObject({
      ok: false,
      issues: [{ path: '/payload/verdict', message: 'must be one of: correct, incorrect, error, abstain' }],
    });
  });

  it('requires a fork to name both its parent run and the offset', () => {
    const started = example('run.started');
    started.payload.parentRunId = 'run-000';
    expect(registry.validate(started)).toMatchObject({
      ok: false,
      issues: [{ path: '/payload/forkedAtOffset', message: 'is required when parentRunId is present' }],
    });
    started.payload.forkedAtOffset = 12;
    expect(registry.validate(started).ok).toBe(true);
  });

  it('lets a producer leave out the facts it does not know, and still checks them when present', () => {
    const sample = example('sample.generated');
    for (const field of ['tokens', 'logprob', 'seed']) delete sample.payload[field];
    expect(registry.validate(sample)).toEqual({ ok: true, event: sample });
    const model = example('model.updated');
    for (const field of ['loss', 'artifactUri', 'sha256']) delete model.payload[field];
    expect(registry.validate(model)).toEqual({ ok: true, event: model });
    sample.payload.logprob = 0.5;
    model.payload.sha256 = 'not-a-hash';
    expect(registry.validate(sample)).toMatchObject({ ok: false, issues: [{ path: '/payload/logprob', message: 'must be <= 0' }] });
    expect(registry.validate(model)).toMatchObject({ ok: false, issues: [{ path: '/payload/sha256' }] });
    // null is not "absent": a producer that does not know a fact leaves the field out.
    model.payload.sha256 = null;
    expect(registry.validate(model).ok).toBe(false);
  });
});

describe('parseEventLine', () => {
  it('rejects oversized lines before parsing them', () => {
    const result = parseEventLine(registry, `"${'x'.repeat(MAX_LINE_BYTES)}"`, 4);
    expect(result).toMatchObject({ ok: false, line: 4, issues: [{ message: expect.stringContaining('over the 1048576-byte limit') }] });
  });

  it('reports JSON syntax errors without throwing', () => {
    expect(parseEventLine(registry, '{"type": ', 2)).toMatchObject({ ok: false, line: 2, issues: [{ path: '', message: expect.stringMatching(/^not valid JSON/) }] });
  });
});

describe('EventFactory and uuidv7', () => {
  it('stamps valid envelopes with increasing seq and time-ordered ids', () => {
    let t = Date.parse('2026-11-25T00:00:00Z');
    const factory = new EventFactory(
      { team: 'alpha', experimentId: 'exp', runId: 'run', producer: 'test' },
      { clock: () => new Date(t++) },
    );
    const a = factory.create('run.finished', { status: 'succeeded', iterations: 2 });
    const b = factory.create('run.finished', { status: 'failed', iterations: 0, error: 'boom' }, [a.eventId]);
    expect(registry.validate(a).ok).toBe(true);
    expect(registry.validate(b).ok).toBe(true);
    expect([a.seq, b.seq]).toEqual([0, 1]);
    expect(a.eventId < b.eventId).toBe(true);
    expect(uuidv7Timestamp(a.eventId)).toBe(Date.parse('2026-11-25T00:00:00Z'));
  });

  it('generates distinct RFC 9562 version-7 ids', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => uuidv7(1_700_000_000_000)));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
