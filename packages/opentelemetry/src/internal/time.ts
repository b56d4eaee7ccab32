/** Milliseconds since the epoch as decimal nanoseconds, without going through a double. */
export function msToNanosString(ms: number): string {
  if (Number.isSafeInteger(ms) && ms >= 0) return ms === 0 ? "0" : ms + "000000";
  return msToNanos(ms).toString();
}

/** Milliseconds since the epoch as nanoseconds; fractions of a nanosecond are cut, negatives are 0. */
export function msToNanos(ms: number): bigint {
  if (!(ms > 0 && Number.isFinite(ms))) return 0n;
  if (Number.isSafeInteger(ms)) return BigInt(ms) * 1_000_000n;
  const whole = Math.trunc(ms);
  return BigInt(whole) * 1_000_000n + BigInt(Math.trunc((ms - whole) * 1_000_000));
}

/** Whether a number is whole and fits a signed 64-bit integer. */
export function isInt64(value: number): boolean {
  return Number.isInteger(value) && value >= -9223372036854775808 && value < 9223372036854775808;
}
