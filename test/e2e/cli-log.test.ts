import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { exampleLines, tempDir, xp } from '../support/cli';

function withRun(line: string, runId: string): string {
  return JSON.stringify({ ...JSON.parse(line), runId });
}

describe('xp ingest and xp events on the embedded log', () => {
  const dir = tempDir();
  const env = { XP_DATA_DIR: join(dir, 'data') };

  it('accepts every example event and prints them back in log order', () => {
    const lines = exampleLines();
    const file = join(dir, 'examples.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const ingest = xp(['ingest', file], { env });
    expect(ingest.stdout.trim()).toBe(`accepted ${lines.length}, rejected 0`);
    expect(ingest.status).toBe(0);

    const events = xp(['events', '--run', 'run-001', '--json'], { env });
    expect(events.status).toBe(0);
    const printed = events.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(printed.map((p) => p.event.eventId)).toEqual(lines.map((l) => JSON.parse(l).eventId));
    expect(printed.map((p) => p.offset)).toEqual(lines.map((_, i) => i));

    const fromThree = xp(['events', '--run', 'run-001', '--from', '3', '--json'], { env });
    expect(fromThree.stdout.trim().split('\n')).toHaveLength(lines.length - 3);
  });

  it('rejects bad lines with their number and a reason naming the field, and still appends the good ones', () => {
    const [good] = exampleLines().filter((l) => l.includes('"sample.generated"'));
    const event = JSON.parse(good);
    const runId = `run-${randomUUID()}`;
    const lines = [
      withRun(good, runId),
      'this is not json',
      JSON.stringify({ ...event, runId, payload: { ...event.payload, attempt: 'first' } }),
      JSON.stringify({ ...event, runId, type: 'sample.exploded' }),
      JSON.stringify({ ...event, runId, schemaVersion: 9 }),
      JSON.stringify((({ team: _team, ...rest }) => ({ ...rest, runId }))(event)),
      JSON.stringify({ ...event, runId, payload: { ...event.payload, output: 'x'.repeat(1024 * 1024) } }),
      '',
      withRun(good, runId),
    ];
    const file = join(dir, 'mixed.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const result = xp(['ingest', file], { env });
    expect(result.status).toBe(1);
    const out = result.stdout.split('\n');
    expect(out[0]).toBe('accepted 2, rejected 6');
    expect(out).toContain("line 2: not valid JSON (Unexpected token 'h', \"this is not json\" is not valid JSON)");
    expect(out).toContain('line 3: /payload/attempt must be integer');
    expect(out.find((l) => l.startsWith('line 4: '))).toMatch(/\/type unknown event type 'sample.exploded'/);
    expect(out).toContain('line 5: /schemaVersion 9 is not a supported version of sample.generated (supported: 1)');
    expect(out).toContain('line 6: /team is required');
    expect(out.find((l) => l.startsWith('line 7: '))).toMatch(/over the 1048576-byte limit/);

    const events = xp(['events', '--run', runId, '--json'], { env });
    expect(events.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('reports rejections as JSON with --json', () => {
    const file = join(dir, 'one-bad.ndjson');
    writeFileSync(file, '{"type":"run.started"}\n');
    const result = xp(['ingest', file, '--json'], { env });
    expect(result.status).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.accepted).toBe(0);
    expect(report.rejected[0].line).toBe(1);
    expect(report.rejected[0].reasons).toContain('/eventId is required');
  });

  it('exits 2 with a clear message on usage errors', () => {
    const missing = xp(['ingest', join(dir, 'nope.ndjson')], { env });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*nope\.ndjson: no such file/);
    expect(xp(['ingest'], { env }).status).toBe(2);
    const badBus = xp(['ingest', '--bus', 'carrier-pigeon', join(dir, 'examples.ndjson')], { env });
    expect(badBus.status).toBe(2);
    expect(badBus.stderr).toMatch(/--bus must be embedded or kafka, got 'carrier-pigeon'/);
    const badOffset = xp(['events', '--run', 'r', '--from', '-3'], { env });
    expect(badOffset.status).toBe(2);
    expect(badOffset.stderr).toMatch(/--from must be a non-negative integer/);
    expect(xp(['events'], { env }).status).toBe(2);
  });

  it('has --help on every command', () => {
    for (const command of [[], ['ingest'], ['events']]) {
      const help = xp([...command, '--help'], { env });
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^Usage: xp/);
    }
  });
});

describe('xp ingest and xp events on Kafka', () => {
  it('round-trips a run through the real broker', () => {
    const runId = `run-${randomUUID()}`;
    const lines = exampleLines().map((l) => withRun(l, runId));
    const dir = tempDir();
    const file = join(dir, 'run.ndjson');
    writeFileSync(file, lines.join('\n') + '\n');
    const env = { XP_BUS: 'kafka' };
    const ingest = xp(['ingest', file], { env });
    expect(ingest.stdout.trim()).toBe(`accepted ${lines.length}, rejected 0`);
    expect(ingest.status).toBe(0);
    const events = xp(['events', '--run', runId, '--json'], { env });
    expect(events.status).toBe(0);
    const ids = events.stdout.trim().split('\n').map((l) => JSON.parse(l).event.eventId);
    expect(ids).toEqual(lines.map((l) => JSON.parse(l).eventId));
  });

  it('runs the training loop on Kafka and verifies its replay from the broker', () => {
    const env = { XP_BUS: 'kafka', XP_DATA_DIR: join(tempDir(), 'data') };
    const demo = xp(['demo', '--iterations', '1', '--seed', '5', '--json'], { env });
    expect(demo.status).toBe(0);
    const { runId, iterations } = JSON.parse(demo.stdout.trim().split('\n').pop()!);
    expect(iterations).toHaveLength(1);
    const replay = xp(['replay', runId, '--verify'], { env });
    expect(replay.stdout).toMatch(/^identical/);
    expect(replay.status).toBe(0);
  });

  it('says which broker it cannot reach', () => {
    const dir = tempDir();
    const file = join(dir, 'run.ndjson');
    writeFileSync(file, exampleLines()[0] + '\n');
    const result = xp(['ingest', file, '--bus', 'kafka', '--brokers', '127.0.0.1:1']);
    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/cannot reach Kafka at 127\.0\.0\.1:1/);
  });
});
