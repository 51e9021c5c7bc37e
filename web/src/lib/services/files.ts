/**
 * Files behind the sign-in (dataset images, model downloads, logs), fetched with the session cookie
 * (same-origin fetches send it) and handed to the page as Blobs (shown or saved through object
 * URLs): a failure becomes an ApiFailure the page can show, and a 401 ends the session like any
 * other call, which a plain `<img src>` or `<a href download>` could not do.
 */
import { attachmentName } from '../utilities/attachment-name.ts';
import { expireSession } from './api.ts';
import { ApiFailure } from './api-failure.ts';

export interface FetchedFile {
  blob: Blob;
  /** The name the server suggests (content-disposition), else the fallback given. */
  name: string;
}

export interface DownloadProgress {
  received: number;
  /** From content-length; 0 when the server did not say. */
  total: number;
}

/** GETs `url` with the session cookie; a failure becomes an ApiFailure (a 401 also signs out). */
export async function fetchFile(
  url: string,
  options: { fallbackName?: string; onProgress?: (progress: DownloadProgress) => void; signal?: AbortSignal } = {},
): Promise<FetchedFile> {
  let response: Response;
  try {
    response = await fetch(url, { credentials: 'same-origin', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (cause) {
    throw ApiFailure.network(cause);
  }
  if (!response.ok) {
    if (response.status === 401) expireSession();
    throw ApiFailure.fromBody(response.status, await response.json().catch(() => null));
  }
  const name = attachmentName(response.headers.get('content-disposition'), options.fallbackName ?? 'download');
  try {
    const blob = options.onProgress ? await readWithProgress(response, options.onProgress) : await response.blob();
    return { blob, name };
  } catch (cause) {
    throw ApiFailure.network(cause);
  }
}

/** The body chunk by chunk, reporting bytes received (a model file can be tens of megabytes). */
async function readWithProgress(response: Response, onProgress: (progress: DownloadProgress) => void): Promise<Blob> {
  const total = Number(response.headers.get('content-length')) || 0;
  const type = response.headers.get('content-type') ?? 'application/octet-stream';
  if (!response.body) return response.blob();
  const reader = response.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  onProgress({ received, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.byteLength;
    onProgress({ received, total });
  }
  return new Blob(chunks, { type });
}

/** Hands a Blob to the browser as a download named `name`. */
export function saveFile(file: FetchedFile): void {
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = file.name;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the URL by the next task; revoking it at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

/**
 * Lets the browser download from a link of another origin (a presigned S3 link): a plain
 * navigation, so neither CORS nor the page's connect-src applies; the store's
 * Content-Disposition makes it a download rather than a page change.
 */
export function followDownloadLink(url: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.rel = 'noreferrer';
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
}

/**
 * Fetches an API image with the session cookie and hands its object URL to `onReady` (or the
 * failure to `onFailure`); the function returned aborts the fetch and revokes the URL. Meant for an
 * `$effect`: `$effect(() => loadObjectUrl(src, (url) => (shown = url), (f) => (failure = f)))`.
 */
export function loadObjectUrl(url: string, onReady: (objectUrl: string) => void, onFailure: (failure: ApiFailure) => void): () => void {
  const controller = new AbortController();
  let created: string | null = null;
  fetchFile(url, { signal: controller.signal }).then(
    ({ blob }) => {
      if (controller.signal.aborted) return;
      created = URL.createObjectURL(blob);
      onReady(created);
    },
    (caught: unknown) => {
      if (!controller.signal.aborted) onFailure(caught instanceof ApiFailure ? caught : ApiFailure.network(caught));
    },
  );
  return () => {
    controller.abort();
    if (created) URL.revokeObjectURL(created);
  };
}
