import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir, xp, xpAsync, type CliResult } from '../support/cli';

interface LoggedEvent {
  type: string;
  runId: string;
  payload: Record<string, any>;
}

interface Alteration {
  pick: (event: LoggedEvent) => boolean;
  change: (event: LoggedEvent) => void;
}

/**
 * `xp replay --verify` on logs changed after the fact. A run's events are copied, one of them altered,
 * into a fresh data dir with `xp ingest` (the run alone in its partition keeps its offsets, and its
 * checkpoint files stay where model.updated says), then verified there from the CLI.
 */
/** Five copies of about 5,000 events are ingested and verified at once: generous bounds for a busy machine. */
const DEMO_TIMEOUT_MS = 180_000;
const COPIES_TIMEOUT_MS = 400_000;

describe('xp replay --verify on a tampered log', () => {
  const dir = tempDir('xp-tamper-');
  let runId: string;
  let events: LoggedEvent[];

  beforeAll(() => {
    const env = { XP_DATA_DIR: join(dir, 'original') };
    const demo = xp(['demo', '--iterations', '1', '--seed', '5', '--json'], { env });
    expect(demo.status).toBe(0);
    runId = JSON.parse(demo.stdout.trim().split('\n').pop()!).runId;
    events = xp(['events', '--run', runId, '--json'], { env }).stdout.trim().split('\n').map((line) => JSON.parse(line).event);
  }, DEMO_TIMEOUT_MS);

  /** Copies the run with `alter` applied to the first event it accepts, then verifies the copy. */
  const verifyCopy = async (name: string, alter?: Alteration): Promise<CliResult> => {
    const copy: LoggedEvent[] = structuredClone(events);
    if (alter) {
      const target = copy.find(alter.pick);
      expect(target).toBeDefined();
      alter.change(target!);
    }
    const file = join(dir, `${name}.ndjson`);
    writeFileSync(file, copy.map((event) => JSON.stringify(event)).join('\n') + '\n');
    const env = { XP_DATA_DIR: join(dir, name) };
    const ingest = await xpAsync(['ingest', file], { env, timeoutMs: COPIES_TIMEOUT_MS / 2 });
    expect([ingest.status, ingest.stdout.trim()]).toEqual([0, `accepted ${copy.length}, rejected 0`]);
    return xpAsync(['replay', runId, '--verify'], { env, timeoutMs: COPIES_TIMEOUT_MS / 2 });
  };
  const trainIteration = (event: LoggedEvent) => JSON.stringify(event.payload).includes(`${runId}/s/1/`);

  const TAMPERINGS: Array<[kind: string, name: string, alteration: Alteration]> = [
    ['judgement', 'a training verdict flipped', {
      pick: (e) => e.type === 'sample.verified' && trainIteration(e) && e.payload.verdict === 'incorrect',
      change: (e) => { e.payload.verdict = 'correct'; },
    }],
    ['judgement', 'a reward raised', {
      pick: (e) => e.type === 'reward.assigned' && trainIteration(e) && e.payload.value === 0,
      change: (e) => { e.payload.value = 1; },
    }],
    ['training', "a trained checkpoint's sha256 replaced", {
      pick: (e) => e.type === 'model.updated' && e.payload.step > 0,
      change: (e) => { e.payload.sha256 = e.payload.sha256.replace(/^./, (c: string) => (c === '0' ? '1' : '0')); },
    }],
    ['evaluation', 'a held-out pass@1 rounded up', {
      pick: (e) => e.type === 'evaluation.completed' && e.payload.checkpointId !== events.find((m) => m.type === 'model.updated')!.payload.checkpointId,
      change: (e) => { e.payload.passAt1 = Math.min(1, e.payload.passAt1 + 0.01); },
    }],
  ];
  // The copies are independent: verify them all at once.
  let untouched: Promise<CliResult>;
  let tampered: Map<string, Promise<CliResult>>;
  beforeAll(() => {
    untouched = verifyCopy('untouched');
    tampered = new Map(TAMPERINGS.map(([, name, alteration]) => [name, verifyCopy(name.replace(/\W+/g, '-'), alteration)]));
  });

  it('finds an untouched copy identical (the copy itself changes nothing)', async () => {
    const replay = await untouched;
    expect(replay.stdout).toMatch(/^identical \(\d+ decisions\)$/m);
    expect(replay.status).toBe(0);
  }, COPIES_TIMEOUT_MS);

  it.each(TAMPERINGS)('exits 1 and prints the %s mismatch when %s', async (kind, name) => {
    const replay = await tampered.get(name)!;
    expect(replay.stdout).toMatch(new RegExp(`^mismatch at ${kind} decision \\S+ \\(iteration 1, offset \\d+\\): recorded [0-9a-f]{64}, recomputed [0-9a-f]{64}$`, 'm'));
    expect(replay.status).toBe(1);
  }, COPIES_TIMEOUT_MS);
});
