import type { ApiKeyStore, KeyGrant } from '@xp/auth';

/** The authenticated caller: every read and write is scoped to this team. */
export type Caller = KeyGrant;

export class UnauthenticatedError extends Error {
  constructor(message = 'a valid API key is required: send "Authorization: Bearer <key>" (create one with `xp keys create --team TEAM`)') {
    super(message);
  }
}

/** Resolves an `Authorization: Bearer <key>` header value to its caller. */
export function authenticate(keys: ApiKeyStore, authorization: unknown): Caller {
  if (typeof authorization !== 'string') throw new UnauthenticatedError();
  const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
  const grant = match ? keys.resolve(match[1]) : undefined;
  if (!grant) throw new UnauthenticatedError('the API key is not valid (unknown, revoked or malformed)');
  return grant;
}
