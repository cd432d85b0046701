import type { ValidationIssue, XpEvent } from '@xp/events';

/** An API key writes only its own team's events: anything else is rejected with a reason, not re-labelled. */
export function teamMismatch(event: XpEvent, team: string): ValidationIssue | undefined {
  return event.team === team ? undefined : { path: '/team', message: `must be '${team}', the team of your API key` };
}
