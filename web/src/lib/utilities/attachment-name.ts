/**
 * The file name a `content-disposition: attachment` header suggests (`filename*=UTF-8''…` first,
 * then `filename="…"` or a bare `filename=…`), reduced to its last path segment; `fallback` when
 * there is none.
 */
export function attachmentName(header: string | null, fallback: string): string {
  if (!header) return fallback;
  let name: string | undefined;
  const extended = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(header)?.[1];
  if (extended) {
    try {
      name = decodeURIComponent(extended.trim());
    } catch {
      name = undefined;
    }
  }
  name ??= /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(header)?.slice(1).find((part) => part !== undefined);
  const base = name?.replace(/\\(.)/g, '$1').trim().split(/[/\\]/).pop();
  return base && base !== '.' && base !== '..' ? base : fallback;
}
