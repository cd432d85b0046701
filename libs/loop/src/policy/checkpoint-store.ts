import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConflictError, NotFoundError } from '@xp/events';
import { sha256Hex } from '../canonical-hash';

/** Checkpoints are content-addressed: `<dataDir>/checkpoints/<sha256>.onnx`, id `ckpt-<first 16 hex>`. */
export interface StoredCheckpoint {
  checkpointId: string;
  sha256: string;
  path: string;
}

export function checkpointIdFor(sha256: string): string {
  return `ckpt-${sha256.slice(0, 16)}`;
}

export function writeCheckpoint(dataDir: string, bytes: Uint8Array): StoredCheckpoint {
  const sha256 = sha256Hex(bytes);
  const dir = join(dataDir, 'checkpoints');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${sha256}.onnx`);
  // Write then rename, so a reader never sees a half-written file under a content address.
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, path);
  return { checkpointId: checkpointIdFor(sha256), sha256, path };
}

/** Reads a checkpoint and checks it is the file the log says it is. */
export function readCheckpoint(path: string, expectedSha256: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new NotFoundError(`checkpoint file ${path} is missing; was the data dir moved or cleaned?`, { cause: error });
  }
  const actual = sha256Hex(bytes);
  if (actual !== expectedSha256) {
    throw new ConflictError(`checkpoint ${path} has sha256 ${actual}, the log records ${expectedSha256}: the file was changed`);
  }
  return bytes;
}
