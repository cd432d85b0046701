import type { ValidationIssue } from './errors';
import type { SchemaRegistry } from './schema-registry';
import type { XpEvent } from './types';

/** A line over this size is rejected without being parsed. */
export const MAX_LINE_BYTES = 1024 * 1024;

export type LineResult =
  | { line: number; ok: true; event: XpEvent }
  | { line: number; ok: false; issues: ValidationIssue[] };

/** Parses and validates one NDJSON line; never throws, whatever the input. */
export function parseEventLine(registry: SchemaRegistry, text: string, line: number): LineResult {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_LINE_BYTES) {
    return { line, ok: false, issues: [{ path: '', message: `line is ${bytes} bytes, over the ${MAX_LINE_BYTES}-byte limit` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { line, ok: false, issues: [{ path: '', message: `not valid JSON (${(err as Error).message})` }] };
  }
  const result = registry.validate(value);
  return result.ok ? { line, ok: true, event: result.event } : { line, ok: false, issues: result.issues };
}

/** True for lines that carry no event (blank lines are allowed between events). */
export function isBlankLine(text: string): boolean {
  return text.trim().length === 0;
}
