/**
 * One error hierarchy for the product. `retriable` tells callers whether trying the same
 * operation again may succeed (a broker that is down) or never will (an invalid event).
 */
export abstract class XpError extends Error {
  abstract readonly retriable: boolean;
  /** Stable machine-readable code, used in API responses and CLI JSON output. */
  abstract readonly code: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The caller asked for something that cannot work as given (bad flag, bad argument). */
export class UsageError extends XpError {
  readonly retriable = false;
  readonly code = 'USAGE';
}

/** An event, or part of one, does not satisfy its schema. */
export class InvalidEventError extends XpError {
  readonly retriable = false;
  readonly code = 'INVALID_EVENT';

  constructor(readonly issues: readonly ValidationIssue[]) {
    super(issues.map(formatIssue).join('; '));
  }
}

/** A backing system (broker, analytics store) could not be reached or failed transiently. */
export class UnavailableError extends XpError {
  readonly retriable = true;
  readonly code = 'UNAVAILABLE';
}

/** Stored state contradicts what the caller expected (e.g. a lock held by another process). */
export class ConflictError extends XpError {
  readonly retriable = false;
  readonly code = 'CONFLICT';
}

/** A requested entity does not exist (or is not visible to the caller's team). */
export class NotFoundError extends XpError {
  readonly retriable = false;
  readonly code = 'NOT_FOUND';
}

/** One reason an event was rejected: a JSON pointer to the field and what is wrong with it. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export function formatIssue(issue: ValidationIssue): string {
  return issue.path ? `${issue.path} ${issue.message}` : issue.message;
}
