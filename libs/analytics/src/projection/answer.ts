import { createHash } from 'node:crypto';

/** Answers longer than this many UTF-8 bytes are voted by their hash, so vote maps stay small. */
export const MAX_ANSWER_BYTES = 200;

/**
 * The form an answer takes in majority voting: itself when short, `sha256:<hex>` otherwise.
 * `answerSql` computes the same thing inside ClickHouse; the two must agree.
 */
export function answerOf(text: string): string {
  if (text.length <= MAX_ANSWER_BYTES / 4 || Buffer.byteLength(text, 'utf8') <= MAX_ANSWER_BYTES) return text;
  return `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
}

export function answerSql(column: string): string {
  return `if(length(${column}) <= ${MAX_ANSWER_BYTES}, ${column}, concat('sha256:', lower(hex(SHA256(${column})))))`;
}

/** A verifier's reported answer (`details.answer`, else `details.value`), when it reports one. */
export function reportedAnswer(details: Record<string, unknown> | undefined): string | undefined {
  const value = details?.answer ?? details?.value;
  if (value === undefined || value === null) return undefined;
  return answerOf(typeof value === 'string' ? value : JSON.stringify(value));
}
