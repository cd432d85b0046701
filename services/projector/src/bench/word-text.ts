/**
 * Seeded text with the statistics of prose rather than of repeated characters: words drawn from a
 * fixed vocabulary with a Zipf-like (log-uniform) rank distribution, with punctuation, numbers and
 * line breaks, so that compressors and column codecs see what they would see in LLM completions
 * (about 3x with zstd, not 100x).
 */
export class WordText {
  private readonly vocabulary: string[];

  constructor(private readonly random: () => number, vocabularySize = 4096) {
    const syllables = ['a', 'e', 'i', 'o', 'u', 'ra', 'ne', 'ti', 'so', 'lu', 'ka', 'me', 'di', 'po', 'ver', 'tion', 'al', 'en', 'st', 'ing', 'th', 'er', 'an', 'is', 'or', 'ou', 'ch', 'sh', 'qu', 'pr', 'gr', 'bl'];
    const seen = new Set<string>();
    this.vocabulary = [];
    while (this.vocabulary.length < vocabularySize) {
      const length = 1 + Math.floor(random() * 3) + (random() < 0.3 ? 1 : 0);
      let word = '';
      for (let i = 0; i < length; i++) word += syllables[Math.floor(random() * syllables.length)];
      if (seen.has(word)) continue;
      seen.add(word);
      this.vocabulary.push(word);
    }
  }

  /** About `bytes` bytes (ASCII) of sentences; exactly `bytes` long. */
  next(bytes: number): string {
    const parts: string[] = [];
    let length = 0;
    let sentenceStart = true;
    while (length < bytes) {
      const r = this.random();
      let token: string;
      if (r < 0.04) token = String(Math.floor(this.random() * 10_000));
      else if (r < 0.06) token = ['=', '+', '*', '(x)', '->'][Math.floor(this.random() * 5)];
      else token = this.word();
      if (sentenceStart) token = token.charAt(0).toUpperCase() + token.slice(1);
      const end = this.random();
      sentenceStart = end < 0.08;
      const separator = sentenceStart ? (end < 0.01 ? '.\n' : end < 0.015 ? '?\n' : '. ') : end < 0.14 ? ', ' : ' ';
      parts.push(token, separator);
      length += token.length + separator.length;
    }
    return parts.join('').slice(0, bytes);
  }

  /** Rank ~ exp(u * ln V): frequent words are much more frequent, as in natural language. */
  private word(): string {
    const rank = Math.floor(Math.exp(this.random() * Math.log(this.vocabulary.length))) - 1;
    return this.vocabulary[rank];
  }
}
