/**
 * The model atlas's activity (docs/contracts.md "Model atlas"): one bounded step of bringing the
 * atlas up to date. Ready models without a signature get one from the trainer's `atlas` job (one
 * pass over the probe set each); then only the pairs that have no distance yet are computed, from
 * the stored signatures. Signatures live at `atlas/<probeSet>/<modelId>/signature.npz`; the distance
 * matrix is the `atlas_distances` table.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { and, asc, eq, notExists, sql } from 'drizzle-orm';
import { schema, type AtlasSignatureStatus } from '@aip/platform';
import { ATLAS_PROBE_SET, type AtlasStep } from '@aip/workflows/temporal';
import type { ActivityDeps } from './deps.ts';
import { runTrainerJob, TrainerError, type AtlasTrainerJob } from './executors/local-trainer.ts';
import { localFolder } from './local-files.ts';
import { localFile, teacherFile, trainerTeacher } from './refinery.ts';

export const atlasSignaturePrefix = (probeSet: string, modelId: string) => `atlas/${probeSet}/${modelId}`;

/** What the trainer's `atlas` job writes to `atlas.json`. */
interface AtlasJobResult {
  probeSet: string;
  signatures: Array<{ id: string; status: AtlasSignatureStatus; reason?: string; file?: string; seconds?: number }>;
  distances: Array<{ a: string; b: string; attribution: number; depara: number }>;
  seconds?: Record<string, number>;
}

const s = schema.atlasSignatures;
const d = schema.atlasDistances;

/** Ready models that have no signature over the current probe set yet. */
const unsigned = (deps: ActivityDeps) =>
  and(
    eq(schema.models.status, 'ready'),
    notExists(deps.db.select({ one: sql`1` }).from(s).where(and(eq(s.modelId, schema.models.id), eq(s.probeSet, ATLAS_PROBE_SET)))),
  );

/** The next models to sign, oldest first. */
function unsignedModels(deps: ActivityDeps, limit: number) {
  return deps.db.select().from(schema.models).where(unsigned(deps)).orderBy(asc(schema.models.createdAt), asc(schema.models.id)).limit(limit);
}

/** Pairs of signed models (a < b) with no distance over the current probe set: `from … where …` of a and b. */
const MISSING_PAIRS = sql`
    from ${s} a join ${s} b on a.model_id < b.model_id
    where a.status = 'ready' and b.status = 'ready' and a.probe_set = ${ATLAS_PROBE_SET} and b.probe_set = ${ATLAS_PROBE_SET}
      and not exists (select 1 from ${d} x where x.model_a = a.model_id and x.model_b = b.model_id and x.probe_set = ${ATLAS_PROBE_SET})`;

async function missingPairs(deps: ActivityDeps, limit: number): Promise<Array<[string, string]>> {
  const { rows } = await deps.db.execute<{ a: string; b: string }>(sql`select a.model_id as a, b.model_id as b ${MISSING_PAIRS} order by a.model_id, b.model_id limit ${limit}`);
  return rows.map((row) => [row.a, row.b]);
}

async function countRemaining(deps: ActivityDeps): Promise<{ models: number; pairs: number }> {
  const models = await deps.db.$count(schema.models, unsigned(deps));
  const { rows } = await deps.db.execute<{ n: number | string }>(sql`select count(*) as n ${MISSING_PAIRS}`);
  return { models, pairs: Number(rows[0]?.n ?? 0) };
}

type SignatureRow = typeof s.$inferInsert;
type DistanceRow = typeof d.$inferInsert;

/** A step's signatures (placed or not) and distances, in one transaction; a repeated step overwrites its own rows. */
async function store(deps: ActivityDeps, signatures: SignatureRow[], distances: DistanceRow[]): Promise<void> {
  await deps.db.transaction(async (tx) => {
    if (signatures.length > 0) {
      await tx
        .insert(s)
        .values(signatures)
        .onConflictDoUpdate({
          target: s.modelId,
          set: { probeSet: sql`excluded.probe_set`, status: sql`excluded.status`, blobKey: sql`excluded.blob_key`, reason: sql`excluded.reason`, seconds: sql`excluded.seconds`, createdAt: new Date() },
        });
    }
    for (let i = 0; i < distances.length; i += 1000) {
      await tx
        .insert(d)
        .values(distances.slice(i, i + 1000))
        .onConflictDoUpdate({
          target: [d.modelA, d.modelB],
          set: { probeSet: sql`excluded.probe_set`, attribution: sql`excluded.attribution`, depara: sql`excluded.depara`, createdAt: new Date() },
        });
    }
  });
}

/** What a step did, with what is left for the next. */
async function stepResult(deps: ActivityDeps, signatures: SignatureRow[], pairs: number, seconds: number): Promise<AtlasStep> {
  const remaining = await countRemaining(deps);
  const signed = signatures.filter((row) => row.status === 'ready').length;
  log.info('atlas step', { signed, unplaced: signatures.length - signed, distances: pairs, remaining });
  return { signed, unplaced: signatures.length - signed, pairs, remainingModels: remaining.models, remainingPairs: remaining.pairs, seconds };
}

const ordered = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);

export async function updateAtlas(deps: ActivityDeps, input: { maxModels: number; maxPairs: number }): Promise<AtlasStep> {
  const models = await unsignedModels(deps, input.maxModels);
  const signed = await deps.db
    .select({ modelId: s.modelId, blobKey: s.blobKey })
    .from(s)
    .where(and(eq(s.status, 'ready'), eq(s.probeSet, ATLAS_PROBE_SET)));

  // A model whose file is gone cannot be signed: it is recorded as failed, not retried every step.
  const unplaced: SignatureRow[] = [];
  const toSign: AtlasTrainerJob['models'] = [];
  const names = new Map<string, string>();
  for (const model of models) {
    names.set(model.id, model.name);
    try {
      const ref = await teacherFile(deps, model);
      const file = await localFile(deps, ref.fileKey);
      const teacher = trainerTeacher(
        { ...ref, modelId: model.id, name: model.name, task: model.task, arch: model.arch, classes: model.classes, input: (model.input as Record<string, unknown> | null) ?? null },
        file,
        model.name,
      );
      // The trainer's atlas reads any task of a platform model.pt (not only the refinery's three).
      toSign.push({ ...teacher, task: model.task, id: model.id });
    } catch (error) {
      unplaced.push({ modelId: model.id, probeSet: ATLAS_PROBE_SET, status: 'failed', blobKey: null, reason: error instanceof Error ? error.message : String(error), seconds: null });
    }
  }

  // The new models against every signed one and each other, then pairs an earlier step left undone.
  const pairs = new Map<string, [string, string]>();
  const add = (a: string, b: string) => {
    const pair = ordered(a, b);
    if (pairs.size < input.maxPairs) pairs.set(pair.join(' '), pair);
  };
  toSign.forEach((m, i) => {
    for (const other of signed) add(m.id, other.modelId);
    for (const other of toSign.slice(i + 1)) add(m.id, other.id);
  });
  for (const [a, b] of await missingPairs(deps, input.maxPairs)) add(a, b);

  if (toSign.length === 0 && pairs.size === 0) {
    await store(deps, unplaced, []);
    return stepResult(deps, unplaced, 0, 0);
  }

  const needed = new Set([...pairs.values()].flat());
  const signatures: AtlasTrainerJob['signatures'] = [];
  for (const row of signed) {
    if (!needed.has(row.modelId) || !row.blobKey) continue;
    const folder = await localFolder(deps.blobs, path.posix.dirname(row.blobKey), deps.config.workDir);
    signatures.push({ id: row.modelId, file: path.join(folder, path.posix.basename(row.blobKey)) });
  }

  const work = path.join(deps.config.workDir, 'atlas', `step-${Date.now().toString(36)}`);
  const output = path.join(work, 'out');
  const job: AtlasTrainerJob = {
    kind: 'atlas',
    models: toSign,
    signatures,
    pairs: [...pairs.values()],
    probes: { set: ATLAS_PROBE_SET, count: 64, size: 64 },
    output,
    device: 'auto',
    seed: 0,
  };
  const beat = setInterval(() => heartbeat({ models: toSign.length, pairs: pairs.size }), 10_000);
  try {
    await runTrainerJob(job, {
      python: deps.config.python,
      trainerRoot: deps.trainerRoot,
      jobDir: work,
      // Progress only: the done event's counts are read from atlas.json below.
      onEvent: (event) => heartbeat({ event: event.event, ...('fraction' in event ? { fraction: event.fraction } : {}) }),
      signal: cancellationSignal(),
    });
  } catch (error) {
    // A bad job spec is the platform's bug, not a user's: let the activity retry and the log show it.
    if (error instanceof TrainerError) log.error('the atlas job failed', { error: error.message, log: error.logTail });
    throw error;
  } finally {
    clearInterval(beat);
  }
  const result = JSON.parse(await readFile(path.join(output, 'atlas.json'), 'utf8')) as AtlasJobResult;

  // The trainer's messages may name this worker's files: the model's name instead.
  const local = new Map(toSign.map((m) => [m.id, m.file]));
  const say = (id: string, reason: string | undefined) => (reason ?? 'the atlas could not read this model').split(local.get(id) ?? '\u0000').join(`"${names.get(id) ?? id}"`);
  const rows: SignatureRow[] = [...unplaced];
  for (const sig of result.signatures) {
    if (sig.status === 'ready' && sig.file) {
      const key = `${atlasSignaturePrefix(ATLAS_PROBE_SET, sig.id)}/signature.npz`;
      await deps.blobs.put(key, createReadStream(path.join(output, sig.file)));
      rows.push({ modelId: sig.id, probeSet: ATLAS_PROBE_SET, status: 'ready', blobKey: key, reason: null, seconds: sig.seconds ?? null });
    } else {
      rows.push({ modelId: sig.id, probeSet: ATLAS_PROBE_SET, status: sig.status === 'unsupported' ? 'unsupported' : 'failed', blobKey: null, reason: say(sig.id, sig.reason), seconds: sig.seconds ?? null });
    }
  }
  const distances = result.distances.map((x): DistanceRow => {
    const [a, b] = ordered(x.a, x.b);
    return { modelA: a, modelB: b, probeSet: ATLAS_PROBE_SET, attribution: x.attribution, depara: x.depara };
  });
  await store(deps, rows, distances);
  return stepResult(deps, rows, distances.length, Object.values(result.seconds ?? {}).reduce((sum, x) => sum + x, 0));
}
