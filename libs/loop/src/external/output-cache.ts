/** Characters of sample outputs the decision feed keeps by default: about 64 MB of text across all runs. */
export const DEFAULT_OUTPUT_CACHE_CHARS = 64 * 1024 * 1024;

/**
 * The most recently reported sample outputs, across runs, up to a budget of characters. A replay
 * decision usually draws from samples just reported, so its delivery finds them here; older ones are
 * read back from the log. Memory stays at the budget however many samples the runs hold.
 */
export class OutputCache {
  private readonly entries = new Map<string, { problemId: string; output: string }>();
  private chars = 0;

  constructor(private readonly budget = DEFAULT_OUTPUT_CACHE_CHARS) {}

  put(runId: string, sampleId: string, problemId: string, output: string): void {
    if (output.length > this.budget) return;
    const key = cacheKey(runId, sampleId);
    this.drop(key);
    this.entries.set(key, { problemId, output });
    this.chars += output.length;
    for (const [oldest, entry] of this.entries) {
      if (this.chars <= this.budget) break;
      this.entries.delete(oldest);
      this.chars -= entry.output.length;
    }
  }

  get(runId: string, sampleId: string): { problemId: string; output: string } | undefined {
    return this.entries.get(cacheKey(runId, sampleId));
  }

  /** Characters held now (at most the budget). */
  get size(): number {
    return this.chars;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.chars -= entry.output.length;
  }
}

function cacheKey(runId: string, sampleId: string): string {
  return `${runId}\n${sampleId}`;
}
