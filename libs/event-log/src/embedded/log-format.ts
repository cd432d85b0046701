import type { Database, RootDatabase } from 'lmdb';
import { ConflictError } from '@xp/events';

/**
 * Versions of the embedded log's layout. Format 1 stored one record per value in `topic:<name>`;
 * format 2 stores blocks of records in `blocks:<name>` (`record-block.ts`). A format-1 log is opened
 * in place: its topics are marked as holding format-1 records, which stay where they are and are read
 * by offset as before, and new appends go to blocks after them. A log in a newer format is refused.
 */
export const LOG_FORMAT = 2;

export const FORMAT_1_TOPIC_PREFIX = 'topic:';

export interface TopicMeta {
  partitions: number;
  /** The topic has records from format 1 below its first block (true only for topics created before the upgrade). */
  format1Records?: boolean;
}

export const LogFormat = {
  /** Checks the log's format marker and upgrades a format-1 log (no marker) to the current one, in one transaction. */
  upgrade(root: RootDatabase, meta: Database<TopicMeta, string>, path: string): void {
    const marker = root.openDB<number, string>({ name: 'format', encoding: 'msgpack' });
    root.transactionSync(() => {
      const version = marker.get('version');
      if (version === LOG_FORMAT) return;
      if (version !== undefined) {
        throw new ConflictError(
          `the embedded log at ${path} is in format ${version}, and this version of xp reads formats 1 to ${LOG_FORMAT}: ` +
            'open it with the newer version of xp that wrote it (a log is never converted back to an older format)',
        );
      }
      for (const { key, value } of meta.getRange({})) meta.put(key, { ...value, format1Records: true });
      marker.put('version', LOG_FORMAT);
    });
  },
};
