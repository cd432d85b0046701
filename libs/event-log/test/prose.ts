/** Deterministic text of small-vocabulary words: it compresses as prose does, unlike a repeated character. */
export function prose(seed: number, bytes: number): string {
  const words = ['the', 'proof', 'follows', 'since', 'x', 'is', 'even', 'and', 'therefore', 'we', 'obtain', 'sum', 'of', 'squares', 'lemma', '3', 'holds'];
  let state = seed;
  let out = '';
  while (out.length < bytes) {
    state = (state * 1103515245 + 12345) >>> 0;
    out += words[state % words.length] + (state % 11 === 0 ? '. ' : ' ');
  }
  return out.slice(0, bytes);
}
