/** The response body of POST /aip (docs/contracts.md): HTTP status always equals `code`. */
export interface Envelope {
  code: 200 | 400 | 401;
  message: string;
  data: unknown;
  time: string;
}

export function envelope(code: Envelope['code'], message: string, data: unknown = null, now = new Date()): Envelope {
  return { code, message, data, time: formatLocalTime(now) };
}

/** `YYYY-MM-DD HH:mm:ss` in the server's local time zone. */
export function formatLocalTime(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ` +
    `${p(date.getHours())}:${p(date.getMinutes())}:${p(date.getSeconds())}`
  );
}
