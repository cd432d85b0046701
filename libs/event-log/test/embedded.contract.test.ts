import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedEventLog } from '../src';
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
