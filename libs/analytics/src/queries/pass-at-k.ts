/**
 * SQL for the unbiased pass@k estimator of Chen et al. (2021), 1 - C(n-c, k) / C(n, k), written as
 * the product 1 - prod_{i=n-c+1..n} (1 - k/i) so no binomial coefficient overflows. NULL when n < k:
 * with fewer than k attempts the estimate is undefined, and inventing one would mislead.
 * Arguments are SQL expressions (column names or bound parameters); c is capped at n so a bad count
 * cannot turn the range into billions of elements. c = 0 is spelled out because arrayProduct of an
 * empty array is 0 in ClickHouse, not the empty product 1.
 */
export function passAtKSql(n: string, c: string, k: string): string {
  const from = `toUInt64(${n} - least(${c}, ${n}) + 1)`;
  return `if(${n} < ${k}, NULL, if(${c} = 0, 0, 1 - arrayProduct(arrayMap(i -> 1 - ${k} / i, range(${from}, toUInt64(${n} + 1))))))`;
}
