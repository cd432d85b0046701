/** ClickHouse's DateTime64(3) text form in UTC ('2026-11-01 12:00:01.000'), what the basic input parser reads. */
export function toClickHouseTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23).replace('T', ' ');
}

/** Same, from an RFC 3339 timestamp with any offset. */
export function isoToClickHouseTime(iso: string): string {
  return toClickHouseTime(Date.parse(iso));
}
