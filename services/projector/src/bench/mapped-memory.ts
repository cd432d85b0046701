import { existsSync, readFileSync } from 'node:fs';

/** Resident memory of a process at its highest sample, split by what holds it. */
export interface MappedMemory {
  /** Highest resident set seen, KiB. */
  rssKb: number;
  /** Of which: chDB's native library (code and data mapped from libchdb.so). */
  chdbLibraryKb: number;
  /** Of which: the embedded log's LMDB file, mapped by reads. */
  logMapKb: number;
}

/**
 * Samples a running process's resident memory from /proc (Linux) and, at each new high, how much of
 * it is mapped from chDB's library and from the log's LMDB file: a floor the process cannot go below
 * whatever its batches, reported beside the peak.
 */
export class MappedMemorySampler {
  private peak: MappedMemory = { rssKb: 0, chdbLibraryKb: 0, logMapKb: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: () => number | undefined,
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): MappedMemory | undefined {
    clearInterval(this.timer);
    return this.peak.rssKb > 0 ? this.peak : undefined;
  }

  private sample(): void {
    const pid = this.pid();
    if (pid === undefined || !existsSync(`/proc/${pid}/smaps`)) return;
    try {
      const rssKb = Number(/^Rss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
      if (rssKb <= this.peak.rssKb) return;
      this.peak = { rssKb, ...mappedFrom(readFileSync(`/proc/${pid}/smaps`, 'utf8')) };
    } catch {
      // The process exited between two reads.
    }
  }
}

/** The first child of a process (the program GNU time runs), if it has one. */
export function firstChild(pid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    return children ? Number(children.split(/\s+/)[0]) : undefined;
  } catch {
    return undefined;
  }
}

function mappedFrom(smaps: string): Pick<MappedMemory, 'chdbLibraryKb' | 'logMapKb'> {
  const mapped = { chdbLibraryKb: 0, logMapKb: 0 };
  let target: keyof typeof mapped | undefined;
  for (const line of smaps.split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) {
      target = line.endsWith('libchdb.so') ? 'chdbLibraryKb' : line.endsWith('/data.mdb') ? 'logMapKb' : undefined;
    } else if (target && line.startsWith('Rss:')) {
      mapped[target] += Number(line.split(/\s+/)[1]);
    }
  }
  return mapped;
}
