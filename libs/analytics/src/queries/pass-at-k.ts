/**
 * SQL for the unbiased pass@k estimator of Chen et al. (2021), 1 - C(n-c, k) / C(n, k), written as
 * a product so no binomial coefficient overflows, and the shorter of two equal products:
 * 1 - prod_{i=n-c+1..n} (1 - k/i) has c factors, 1 - prod_{i=0..k-1} (n-c-i)/(n-i) has k; every
 * factor lies in [0, 1]. With n - c < k every draw of k holds a correct attempt and the value is 1.
 * NULL when n < k: with fewer than k attempts the estimate is undefined, and inventing one would
 * mislead. Arguments are SQL expressions (column names or bound parameters); c is capped at n so a
 * bad count cannot turn the range into billions of elements. c = 0 is spelled out because
 * arrayProduct of an empty array is 0 in ClickHouse, not the empty product 1.
 */
export function passAtKSql(n: string, c: string, k: string): string {
  const from = `toUInt64(${n} - least(${c}, ${n}) + 1)`;
  const overCorrect = `1 - arrayProduct(arrayMap(i -> 1 - ${k} / i, range(${from}, toUInt64(${n} + 1))))`;
  const overK = `1 - arrayProduct(arrayMap(i -> (${n} - ${c} - i) / (${n} - i), range(toUInt64(${k}))))`;
  return `if(${n} < ${k}, NULL, if(${c} = 0, 0, if(${n} - least(${c}, ${n}) < ${k}, 1, if(${c} <= ${k}, ${overCorrect}, ${overK}))))`;
}
