import { createHash } from 'node:crypto';
import { UsageError } from '@xp/events';

/**
 * JSON with object keys sorted at every level and no insignificant whitespace, so equal values
 * always encode to the same bytes. Undefined object members are dropped (as JSON.stringify does);
 * non-finite numbers are refused because JSON cannot carry them and a hash over them would lie.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UsageError(`cannot hash the non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  throw new UsageError(`cannot hash a value of type ${typeof value}`);
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The hash every decision event records as its outputHash. */
export function hashCanonical(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
