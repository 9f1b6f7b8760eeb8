/**
 * Python's `strftime` for chat templates (`strftime_now("%d %b %Y")` in Llama 3.1+ templates). Renders as
 * CPython does in the C locale, so a template gives the same text here as in transformers whatever the browser's
 * language; @huggingface/jinja's built-in uses the host locale for month names.
 */

/** English month names, as the C locale spells them. */
export const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width = 2, fill = '0'): string {
  return String(n).padStart(width, fill);
}

function dayOfYear(date: Date): number {
  const start = new Date(date.getFullYear(), 0, 1);
  const utcDiff =
    Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()) -
    Date.UTC(start.getFullYear(), start.getMonth(), start.getDate());
  return Math.round(utcDiff / 86_400_000) + 1;
}

/** One directive (the letter after `%`) → its text, or null for directives passed through unchanged. */
function directive(date: Date, d: string): string | null {
  const hours12 = date.getHours() % 12 === 0 ? 12 : date.getHours() % 12;
  switch (d) {
    case 'Y':
      return String(date.getFullYear());
    case 'y':
      return pad(date.getFullYear() % 100);
    case 'm':
      return pad(date.getMonth() + 1);
    case 'd':
      return pad(date.getDate());
    case 'e':
      return pad(date.getDate(), 2, ' ');
    case 'b':
    case 'h':
      return MONTHS[date.getMonth()].slice(0, 3);
    case 'B':
      return MONTHS[date.getMonth()];
    case 'a':
      return DAYS[date.getDay()].slice(0, 3);
    case 'A':
      return DAYS[date.getDay()];
    case 'w':
      return String(date.getDay());
    case 'j':
      return pad(dayOfYear(date), 3);
    case 'H':
      return pad(date.getHours());
    case 'I':
      return pad(hours12);
    case 'M':
      return pad(date.getMinutes());
    case 'S':
      return pad(date.getSeconds());
    case 'p':
      return date.getHours() < 12 ? 'AM' : 'PM';
    case 'F':
      return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
    case 'T':
      return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    case '%':
      return '%';
    default:
      return null;
  }
}

/** Formats `date` (local time) with a Python `strftime` format string. */
export function strftime(date: Date, format: string): string {
  return format.replace(/%(.)/g, (whole, d: string) => directive(date, d) ?? whole);
}
