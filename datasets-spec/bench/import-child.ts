/**
 * One import, alone in its process so that its peak RSS is the importer's own: `validate.ts` runs
 * `node --import tsx bench/import-child.ts <zip> <outDir>` and reads the one JSON line this prints.
 * The upload path exactly: `importDataset` with no format (inferred, as the upload form defaults to)
 * and the default limits.
 */
import { importDataset, type ImportPhase } from '../src/import.ts';
import { DatasetError } from '../src/problems.ts';

export interface ChildResult {
  seconds: number;
  /** Seconds from the start to the end of each phase's progress (extract, then check, then store). */
  phases: Partial<Record<ImportPhase, number>>;
  images: number;
  format: string;
  /** RSS once the modules are loaded, before the import: what the process costs doing nothing. */
  startRssKiB: number;
  /** Peak RSS of the whole process (getrusage ru_maxrss), sharp's native threads included. */
  maxRssKiB: number;
  /** Highest RSS sampled (every 50 ms) during each phase: where the memory goes. */
  phaseRssKiB: Partial<Record<ImportPhase, number>>;
}

const [zipPath, outDir] = process.argv.slice(2);
if (!zipPath || !outDir) {
  process.stderr.write('usage: node --import tsx bench/import-child.ts <zip> <outDir>\n');
  process.exit(2);
}

const startRssKiB = Math.round(process.memoryUsage.rss() / 1024);
const phases: Partial<Record<ImportPhase, number>> = {};
const phaseRssKiB: Partial<Record<ImportPhase, number>> = {};
let phase: ImportPhase | null = null;
const sampleRss = () => {
  if (phase !== null) phaseRssKiB[phase] = Math.max(phaseRssKiB[phase] ?? 0, Math.round(process.memoryUsage.rss() / 1024));
};
const sampler = setInterval(sampleRss, 50);
const start = performance.now();
try {
  const { info } = await importDataset({
    zipPath,
    outDir,
    // Phases run one after the other, so the last progress of each marks its end.
    onProgress: (progress) => {
      if (progress.phase !== phase) sampleRss();
      phase = progress.phase;
      phases[phase] = (performance.now() - start) / 1000;
    },
  });
  sampleRss();
  clearInterval(sampler);
  const result: ChildResult = {
    seconds: (performance.now() - start) / 1000,
    phases,
    images: info.images,
    format: info.format,
    startRssKiB,
    maxRssKiB: process.resourceUsage().maxRSS,
    phaseRssKiB,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} catch (error) {
  if (!(error instanceof DatasetError)) throw error;
  // A refused benchmark zip is a bug in the generator (or a limit the sizes asked for passed).
  for (const problem of error.problems.slice(0, 20)) process.stderr.write(`${problem.file}: ${problem.message}\n`);
  process.exit(1);
}
