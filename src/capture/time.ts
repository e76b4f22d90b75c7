// Capture timestamps (seconds and nanoseconds, as the readers give them) as text for every output.
/** ISO 8601 UTC with nanoseconds, e.g. 2026-11-25T10:04:03.123456789Z (exact: no float rounding). */
export function isoTime(sec: number, nsec: number): string {
  if (!Number.isFinite(sec)) return '';
  const date = new Date(sec * 1000);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 19)}.${String(nsec).padStart(9, '0')}Z`;
}
