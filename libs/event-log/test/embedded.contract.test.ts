import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog, namespacedLog, type LogRecord } from '../src';
import { describeEventLogContract } from './contract';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'xp-log-'));
  dirs.push(dir);
  return dir;
}

describeEventLogContract('embedded', {
  open: async () => EmbeddedEventLog.open({ dir: tempDir() }),
  openUnreachable: async () => {
    // A regular file where the log directory should be: the store cannot be created there.
    const blocker = join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, '');
    return EmbeddedEventLog.open({ dir: blocker });
  },
  unreachableMessage: /cannot open the embedded event log at .*not-a-dir/,
});

// A namespaced log is a whole event log: the callers see the plain topic names everywhere.
describeEventLogContract('namespaced (over embedded)', {
  open: async () => namespacedLog(EmbeddedEventLog.open({ dir: tempDir() }), 'contract'),
  openUnreachable: async () => {
    const blocker = join(tempDir(), 'not-a-dir');
    writeFileSync(blocker, '');
    return namespacedLog(EmbeddedEventLog.open({ dir: blocker }), 'contract');
  },
  unreachableMessage: /cannot open the embedded event log at .*not-a-dir/,
});

describe('namespacedLog', () => {
  it('keeps two namespaces on one log apart, topics and consumer groups both', async () => {
    const shared = EmbeddedEventLog.open({ dir: tempDir() });
    const [a, b] = [namespacedLog(shared, 'a'), namespacedLog(shared, 'b')];
    try {
      await a.append('xp.events', [{ key: 'run', value: Buffer.from('in a') }]);
      const partition = await a.partitionFor('xp.events', 'run');
      expect((await a.read('xp.events', partition, 0, 10)).map((r) => [r.topic, r.value.toString()])).toEqual([['xp.events', 'in a']]);
      expect(await b.endOffsets('xp.events')).toEqual([]);
      expect((await shared.endOffsets('a.xp.events'))[partition]).toBe(1);

      const seen: LogRecord[] = [];
      const consumed = new Promise<void>((resolve) => {
        void a.subscribe({ topic: 'xp.events', groupId: 'g', handler: async (batch) => { seen.push(...batch); resolve(); } }).then((s) => consumed.then(() => s.stop()));
      });
      await consumed;
      expect(seen.map((r) => r.topic)).toEqual(['xp.events']);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await a.committedOffsets('g', 'xp.events'))[partition]).toBe(1);
      await b.append('xp.events', [{ key: 'run', value: Buffer.from('in b') }]);
      expect((await b.committedOffsets('g', 'xp.events'))[partition]).toBe(0);
    } finally {
      await shared.close();
    }
  });

  it('refuses a namespace that cannot be part of a topic name', () => {
    expect(() => namespacedLog({} as never, 'a b')).toThrow(/letters, digits, '-' and '_' only \(got 'a b'\)/);
  });
});
