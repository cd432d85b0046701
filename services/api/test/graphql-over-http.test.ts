import { auditServer } from 'graphql-http';
import { openApiFixture, type ApiFixture } from './api-fixture';

/** The GraphQL over HTTP spec's server audits (graphql-http), run against the real API. */
describe('GraphQL over HTTP conformance', () => {
  let fx: ApiFixture;
  beforeAll(async () => {
    fx = await openApiFixture();
  });
  afterAll(() => fx.dispose());

  it('passes every MUST audit of the GraphQL over HTTP spec', async () => {
    const authorization = `Bearer ${fx.keys.alpha}`;
    const results = await auditServer({
      url: `${fx.url}/graphql`,
      fetchFn: (input: RequestInfo, init: RequestInit = {}) => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string>), authorization } }),
    });
    const failedMusts = results.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}: ${r.reason}`);
    expect(failedMusts).toEqual([]);
    expect(results.filter((r) => r.status === 'ok').length).toBeGreaterThan(20);
  });
});
