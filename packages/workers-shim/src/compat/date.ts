/**
 * Tells whether `text` is a compatibility date workerd accepts (spec §6.2 step 1).
 * @remarks Exactly 10 characters, starting with `2`, `-` at positions 4 and 7, digits
 * elsewhere, month 1–12 and day 1–31. There is no per-month check: `2026-02-30` is accepted.
 * Valid dates compare correctly as plain strings.
 * @internal
 */
export function isValidCompatibilityDate(text: string): boolean {
  if (text.length !== 10 || !text.startsWith("2") || text[4] !== "-" || text[7] !== "-") return false;
  // workerd allows "-" anywhere in its character check, but a "-" inside a number then fails
  // its numeric parse, so digits-only outside positions 4 and 7 gives the same answer.
  for (let i = 0; i < text.length; i++) {
    if (i === 4 || i === 7) continue;
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  const month = Number(text.slice(5, 7));
  const day = Number(text.slice(8, 10));
  // The year is 2000–2999 by construction (four digits, first one "2").
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

/**
 * Formats the UTC calendar day of `date` as `YYYY-MM-DD`.
 * @internal
 */
export function toUtcDateString(date: Date): string {
  return date.toISOString().slice(0, 10);
}
