/**
 * A ready dataset exported to a format other tools read (COCO, YOLO, one folder per class), as a
 * zip streamed to the client. The export is written into a temporary folder (datasets-spec's
 * exporter: images hard-linked where the blob store is a local folder), zipped on the fly, and
 * the folder is removed once the download ends, completed or not.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import yazl from 'yazl';
import { exportDataset, type ExportTarget } from '@aip/datasets-spec';
import { listLocalFiles, type BlobStore } from '@aip/platform';

/** Images are already compressed: deflating them again only costs time. */
const STORED = /\.(png|jpe?g|webp|tiff?)$/i;

export async function exportZip(blobs: BlobStore, prefix: string, to: ExportTarget, description: string): Promise<Readable> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'aip-export-'));
  try {
    const direct = blobs.localPath?.(prefix);
    let source = direct;
    if (!direct || !existsSync(direct)) {
      source = path.join(scratch, 'source');
      await blobs.downloadDir(prefix, source);
    }
    const out = path.join(scratch, 'export');
    await exportDataset(source!, out, { to, description });
    const zip = new yazl.ZipFile();
    for (const relative of await listLocalFiles(out)) {
      zip.addFile(path.join(out, ...relative.split('/')), relative, { compress: !STORED.test(relative) });
    }
    zip.end();
    const stream = zip.outputStream as Readable;
    stream.once('close', () => void rm(scratch, { recursive: true, force: true }));
    stream.once('error', () => void rm(scratch, { recursive: true, force: true }));
    return stream;
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}
