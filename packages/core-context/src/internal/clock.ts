let lastMs = Number.NaN;
let lastDate = new Date(0);

/**
 * The `Date` of an event reported at `ms`. Events of the same millisecond share one `Date`:
 * creating one costs more than the rest of an event. A shared `Date` that a consumer changed is
 * not handed out again.
 */
export function dateAt(ms: number): Date {
  if (ms !== lastMs || lastDate.getTime() !== ms) {
    lastDate = new Date(ms);
    lastMs = ms;
  }
  return lastDate;
}
