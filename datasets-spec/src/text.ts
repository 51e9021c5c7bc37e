/**
 * Decoding of user-written text (label.txt, file names inside zips). Chinese Windows tools write
 * GBK without saying so, so the rule is: bytes that are valid UTF-8 are UTF-8, anything else is
 * read as GB18030 (a superset of GBK and GB2312).
 */
import iconv from 'iconv-lite';

export type TextEncoding = 'utf-8' | 'gb18030';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  try {
    // TextDecoder drops a leading UTF-8 BOM itself (ignoreBOM: false).
    return { text: strictUtf8.decode(bytes), encoding: 'utf-8' };
  } catch {
    return { text: iconv.decode(Buffer.from(bytes), 'gb18030'), encoding: 'gb18030' };
  }
}

/** Decodes bytes whose encoding is already known (e.g. decided for a whole archive at once). */
export function decodeAs(bytes: Uint8Array, encoding: TextEncoding): string {
  return encoding === 'utf-8' ? new TextDecoder('utf-8').decode(bytes) : iconv.decode(Buffer.from(bytes), 'gb18030');
}
