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

/**
 * Compiles the envelope and every payload schema once; validates events against them.
 * Payload schemas are keyed by (type, schemaVersion) so old versions keep validating after a new one lands.
 */
export class SchemaRegistry {
  private readonly envelope: ValidateFunction;
  private readonly payloads = new Map<string, ValidateFunction>();
  private readonly versions = new Map<EventType, number[]>();

  constructor(schemaDir: string = EVENT_SCHEMA_DIR) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
    ajv.addKeyword('x-event-type').addKeyword('x-schema-version');
    addFormats(ajv);
    const files = readdirSync(schemaDir).filter((f) => f.endsWith('.json'));
    const schemas = files.map((f) => JSON.parse(readFileSync(join(schemaDir, f), 'utf8')));
    for (const schema of schemas) ajv.addSchema(schema);
    this.envelope = ajv.getSchema('envelope.v1.json')!;
    for (const schema of schemas) {
      const type = schema['x-event-type'] as EventType | undefined;
      if (!type) continue;
      const version = schema['x-schema-version'] as number;
      this.payloads.set(`${type}@${version}`, ajv.getSchema(schema.$id)!);
      this.versions.set(type, [...(this.versions.get(type) ?? []), version].sort((a, b) => a - b));
    }
  }

  supportedVersions(type: EventType): number[] {
    return this.versions.get(type) ?? [];
  }

  validate(value: unknown): ValidationResult {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return fail('', 'event must be a JSON object');
    }
    const candidate = value as Record<string, unknown>;
    if (typeof candidate.type === 'string' && !EVENT_TYPES.includes(candidate.type as EventType)) {
      return fail('/type', `unknown event type '${candidate.type}' (known: ${EVENT_TYPES.join(', ')})`);
    }
    if (!this.envelope(value)) return { ok: false, issues: toIssues(this.envelope.errors, '') };
    const type = candidate.type as EventType;
    const version = candidate.schemaVersion as number;
    const payloadSchema = this.payloads.get(`${type}@${version}`);
    if (!payloadSchema) {
      const supported = this.supportedVersions(type).join(', ');
      return fail('/schemaVersion', `${version} is not a supported version of ${type} (supported: ${supported})`);
    }
    if (!payloadSchema(candidate.payload)) return { ok: false, issues: toIssues(payloadSchema.errors, '/payload') };
    return { ok: true, event: value as XpEvent };
  }
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
