/** Writes a deployment bundle zip (docs/contracts.md, "Bundle") and measures it. */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import type { PipelineSpecFile } from './pipeline-spec.ts';

export interface BundleContents {
  spec: PipelineSpecFile;
  /** stage id → local path of its model.onnx */
  models: Record<string, string>;
  /** The serving runtime and its deployment files: path inside the bundle, local source, mode. */
  runtime: Array<{ path: string; source: string; mode: number }>;
}

/** Regular-file type bits: zip readers take the mode from the upper half of the attributes. */
const FILE = 0o100000;
const REGULAR = FILE | 0o644;

export async function writeBundleZip(
  contents: BundleContents,
  outFile: string,
): Promise<{ size: number; sha256: string }> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(`${JSON.stringify(contents.spec, null, 2)}\n`), 'pipeline.json', {
    mode: REGULAR,
  });
  for (const stage of contents.spec.stages) {
    const source = contents.models[stage.id];
    if (!source) throw new Error(`bundle: no model file for stage "${stage.id}"`);
    zip.addFile(source, stage.model, { mode: REGULAR });
  }
  for (const file of contents.runtime) {
    zip.addFile(file.source, file.path, { mode: FILE | file.mode });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(outFile));

  const hash = createHash('sha256');
  await pipeline(createReadStream(outFile), hash);
  return { size: (await stat(outFile)).size, sha256: hash.digest('hex') };
}
