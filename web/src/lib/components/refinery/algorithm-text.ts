/**
 * The catalogue's texts (@aip/workflows REFINERY_ALGORITHMS) in the user's language, from the
 * dictionaries (catalogue-keys.ts); a unit test checks the English entries are the catalogue's own
 * words, so a catalogue change shows up as a failing test rather than a stale page. A text without
 * a key (a parameter added since) falls back to the catalogue's English.
 */
import type { RefineryAlgorithm, RefineryParam } from '@aip/workflows';
import { isMessageKey } from '../../i18n/dictionaries.ts';
import { t } from '../../stores/i18n.svelte.ts';
import { algorithmKeys, paramHelpKeys, paramTitleKey } from './catalogue-keys.ts';

function text(keys: readonly string[], fallback: string): string {
  const key = keys.find(isMessageKey);
  return key ? t(key) : fallback;
}

export const algorithmTitle = (algorithm: Pick<RefineryAlgorithm, 'id' | 'title'>) => text([algorithmKeys(algorithm.id).title], algorithm.title);
export const algorithmDescription = (algorithm: Pick<RefineryAlgorithm, 'id' | 'description'>) =>
  text([algorithmKeys(algorithm.id).description], algorithm.description);
export const paramTitle = (param: Pick<RefineryParam, 'name' | 'title'>) => text([paramTitleKey(param.name)], param.title);
export const paramHelp = (algorithmId: string, param: Pick<RefineryParam, 'name' | 'help'>) => text(paramHelpKeys(algorithmId, param.name), param.help);

/** Why the algorithm takes only some formats, or null when it takes any. */
export const formatReason = (algorithm: Pick<RefineryAlgorithm, 'id' | 'teachers'>) =>
  algorithm.teachers.formatReason === null ? null : text([algorithmKeys(algorithm.id).formatReason], algorithm.teachers.formatReason);

/** An algorithm's title by id (the list and task pages know only the id). */
export function algorithmName(id: string, algorithms: readonly RefineryAlgorithm[]): string {
  const algorithm = algorithms.find((a) => a.id === id);
  return algorithm ? algorithmTitle(algorithm) : id;
}

/** A model file format's name (trained here, PyTorch weights, TorchScript, ONNX); an unknown one as it is. */
export const modelFormatName = (format: string) => text([`models.format.${format}`], format);
