import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { EVENT_TYPES, type EventType, type XpEvent } from './types';
import type { ValidationIssue } from './errors';

/** schemas/events, resolved the same way from src/ (tests) and dist/ (built code). */
export const EVENT_SCHEMA_DIR = resolve(__dirname, '../../../schemas/events');

export type ValidationResult =
  | { ok: true; event: XpEvent }
  | { ok: false; issues: ValidationIssue[] };

/** The compiled envelope schema and payload schemas keyed by `type@version`. */
interface Validators {
  envelope: ValidateFunction;
  payloads: Map<string, ValidateFunction>;
}

/**
 * Compiles the envelope and every payload schema once; validates events against them.
 * Payload schemas are keyed by (type, schemaVersion) so old versions keep validating after a new one lands.
 *
 * JSON Schema counts string lengths in code points, which costs a pass over every string (2 s of
 * 42,500 events with 16 KB outputs). Events are first checked with lengths in UTF-16 units, never
 * fewer than code points: that check can only refuse more under `maxLength`, and while no schema asks
 * for a `minLength` above 1 it refuses nothing less, so what it accepts is valid. What it refuses is
 * judged, and its issues named, by the exact validators (compiled on first need).
 */
export class SchemaRegistry {
  private readonly schemas: object[];
  private readonly quick: Validators;
  private exactValidators?: Validators;
  private readonly quickIsSound: boolean;
  private readonly versions = new Map<EventType, number[]>();

  constructor(schemaDir: string = EVENT_SCHEMA_DIR) {
    const files = readdirSync(schemaDir).filter((f) => f.endsWith('.json'));
    this.schemas = files.map((f) => JSON.parse(readFileSync(join(schemaDir, f), 'utf8')));
    this.quickIsSound = maxMinLength(this.schemas) <= 1;
    this.quick = this.quickIsSound ? this.compile(false) : this.exact();
    for (const schema of this.schemas as Array<Record<string, unknown>>) {
      const type = schema['x-event-type'] as EventType | undefined;
      if (!type) continue;
      const version = schema['x-schema-version'] as number;
      this.versions.set(type, [...(this.versions.get(type) ?? []), version].sort((a, b) => a - b));
    }
  }

  supportedVersions(type: EventType): number[] {
    return this.versions.get(type) ?? [];
  }

  validate(value: unknown): ValidationResult {
    const quick = this.check(value, this.quick);
    return quick.ok || !this.quickIsSound ? quick : this.check(value, this.exact());
  }

  private exact(): Validators {
    return (this.exactValidators ??= this.compile(true));
  }

  /**
   * `unicode: false` makes ajv compare `string.length` (UTF-16 units) instead of counting code points.
   * Ajv 8 marks the option deprecated and says so at every construction; that warning is dropped.
   */
  private compile(unicode: boolean): Validators {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false, unicode, logger: UNICODE_OPTION_QUIET });
    ajv.addKeyword('x-event-type').addKeyword('x-schema-version');
    addFormats(ajv);
    for (const schema of this.schemas) ajv.addSchema(schema);
    const payloads = new Map<string, ValidateFunction>();
    for (const schema of this.schemas as Array<Record<string, unknown>>) {
      if (schema['x-event-type']) payloads.set(`${schema['x-event-type']}@${schema['x-schema-version']}`, ajv.getSchema(schema.$id as string)!);
    }
    return { envelope: ajv.getSchema('envelope.v1.json')!, payloads };
  }

  private check(value: unknown, { envelope, payloads }: Validators): ValidationResult {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return fail('', 'event must be a JSON object');
    }
    const candidate = value as Record<string, unknown>;
    if (typeof candidate.type === 'string' && !EVENT_TYPES.includes(candidate.type as EventType)) {
      return fail('/type', `unknown event type '${candidate.type}' (known: ${EVENT_TYPES.join(', ')})`);
    }
    if (!envelope(value)) return { ok: false, issues: toIssues(envelope.errors, '') };
    const type = candidate.type as EventType;
    const version = candidate.schemaVersion as number;
    const payloadSchema = payloads.get(`${type}@${version}`);
    if (!payloadSchema) {
      const supported = this.supportedVersions(type).join(', ');
      return fail('/schemaVersion', `${version} is not a supported version of ${type} (supported: ${supported})`);
    }
    if (!payloadSchema(candidate.payload)) return { ok: false, issues: toIssues(payloadSchema.errors, '/payload') };
    return { ok: true, event: value as XpEvent };
  }
}

/** Ajv's console logger less its deprecation warning for the `unicode` option. */
const UNICODE_OPTION_QUIET = {
  log: console.log,
  warn: (...args: unknown[]) => {
    if (!String(args[0]).startsWith('DEPRECATED: option unicode')) console.warn(...args);
  },
  error: console.error,
};

/** The largest `minLength` anywhere in the schemas (0 when none asks for one). */
function maxMinLength(node: unknown): number {
  if (node === null || typeof node !== 'object') return 0;
  let max = 0;
  for (const [key, value] of Object.entries(node)) {
    max = Math.max(max, key === 'minLength' && typeof value === 'number' ? value : maxMinLength(value));
  }
  return max;
}

function fail(path: string, message: string): ValidationResult {
  return { ok: false, issues: [{ path, message }] };
}

/** Turns ajv errors into issues that name the offending field, most specific first, without repeats. */
function toIssues(errors: ErrorObject[] | null | undefined, prefix: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    if (error.keyword === 'if' || error.keyword === 'oneOf' && (errors?.length ?? 0) > 1) continue;
    const issue = describe(error, prefix);
    const key = `${issue.path} ${issue.message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push(issue);
    }
  }
  return issues.length > 0 ? issues : [{ path: prefix, message: 'is invalid' }];
}

function describe(error: ErrorObject, prefix: string): ValidationIssue {
  const path = prefix + error.instancePath;
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${path}/${String(params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${path}/${String(params.additionalProperty)}`, message: 'is not an allowed field' };
    case 'enum':
      return { path, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    case 'const':
      return { path, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'dependentRequired':
      return { path: `${path}/${String(params.missingProperty)}`, message: `is required when ${String(params.property)} is present` };
    default:
      return { path, message: error.message ?? 'is invalid' };
  }
}
