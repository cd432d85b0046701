import { resultRows, type AnalyticsStore } from '@xp/analytics';

/** Runs a parameterized read and returns its rows; caller values only ever travel as query parameters. */
export async function queryRows<T>(store: AnalyticsStore, query: string, params: Record<string, unknown>): Promise<T[]> {
  return resultRows<T>(await store.client.query({ query, query_params: params, format: 'JSONEachRow' }));
}
