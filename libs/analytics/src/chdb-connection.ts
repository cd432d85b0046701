import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { drainPending } from 'chdb';
import { createChdbConnection, type ChdbConnection } from 'chdb/connection';
import { ConflictError, UnavailableError } from '@xp/events';

/** Where `xp up` serves the API, named in the message when the store is taken. */
const DEFAULT_API_URL = 'http://127.0.0.1:4000';

/**
 * Opens the chDB data directory. chDB locks it for the whole process, and the native library
 * reports a lock held by another process only on stderr ("Cannot lock file .../status. Another
 * server instance in same directory is already running"); the thrown error just says the
 * connection failed. The engine writes its pid into `status` while it holds the lock and removes
 * the file on a clean close, so a live pid there that is not ours identifies the owner.
 */
export function openChdbConnection(path: string): ChdbConnection {
  try {
    return createChdbConnection({ path });
  } catch (err) {
    const owner = lockOwner(path);
    if (owner !== undefined || /Cannot lock file|Another server instance/i.test(String(err))) {
      const who = owner !== undefined ? `another xp process (pid ${owner})` : 'another xp process';
      throw new ConflictError(
        `the analytics store at ${path} is in use by ${who}, e.g. \`xp up\`. ` +
          `Query through its API (default ${process.env.XP_API_URL ?? DEFAULT_API_URL}) or stop that process and retry.`,
        { cause: err },
      );
    }
    throw new UnavailableError(`cannot open the analytics store at ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/** Waits until chDB let go of its data directory, so the process may open another one. */
export function releaseChdb(): Promise<void> {
  return drainPending();
}

function lockOwner(path: string): number | undefined {
  const statusFile = join(path, 'status');
  if (!existsSync(statusFile)) return undefined;
  const pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(statusFile, 'utf8'))?.[1]);
  if (!Number.isInteger(pid) || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}
