/** ClickHouse's DateTime64(3) text form in UTC ('2026-11-01 12:00:01.000'), what the basic input parser reads. */
export function toClickHouseTime(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 23).replace('T', ' ');
}

/** RFC 3339 timestamps as producers usually write them: UTC with milliseconds. */
const UTC_MILLIS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Same, from an RFC 3339 timestamp with any offset; the common UTC form skips date parsing. */
export function isoToClickHouseTime(iso: string): string {
  return UTC_MILLIS.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 23)}` : toClickHouseTime(Date.parse(iso));
}
