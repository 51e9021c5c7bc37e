/** Largest image POST /aip accepts, in decoded bytes (the contract's "at most 4 MB"). */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;

/** Why the `image` field of a request cannot be used; the server answers 400 with this message. */
export class BadImageFieldError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadImageFieldError';
  }
}

// Standard or URL-safe alphabet, optional padding; whitespace (line-wrapped base64) is removed first.
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const DATA_URL_PREFIX = /^data:[^,]*,/;

/**
 * The image bytes of a POST /aip body `{"image": "<base64>"}`; a `data:` URL prefix is tolerated.
 * Throws BadImageFieldError for a missing, empty, non-base64 or oversized image.
 */
export function imageBytesFromBody(body: unknown): Buffer {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadImageFieldError('malformed body: expected a JSON object {"image": "<base64>"}');
  }
  const field = (body as Record<string, unknown>).image;
  if (field === undefined || field === null || field === '') throw new BadImageFieldError('missing image');
  if (typeof field !== 'string') throw new BadImageFieldError('image must be a base64 string');
  const text = field.replace(DATA_URL_PREFIX, '').replace(/\s+/g, '');
  if (text === '') throw new BadImageFieldError('missing image');
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
    throw new BadImageFieldError('image is not valid base64');
  }
  // A cheap upper bound first, so an oversized string is refused before it is decoded.
  if (Math.floor((text.length * 3) / 4) > MAX_IMAGE_BYTES + 2) {
    throw new BadImageFieldError('image is larger than 4 MB');
  }
  // Node's base64 decoder also reads the URL-safe alphabet.
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) throw new BadImageFieldError('image is larger than 4 MB');
  return bytes;
}
