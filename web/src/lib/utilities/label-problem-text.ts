import type { MessageKey } from '../i18n/dictionaries.ts';
import type { LabelProblem } from './labels.ts';

/** What keeps an item's labels from being saved, in the user's language (shapes counted from 1, as the list shows them). */
export function labelProblemText(problem: LabelProblem, t: (key: MessageKey, params?: Record<string, string | number>) => string): string {
  switch (problem.code) {
    case 'no_class':
      return t('labeling.problem.no_class');
    case 'unknown_class':
      return t('labeling.problem.unknown_class', { label: problem.label || '—' });
    case 'empty_text':
      return problem.index === null ? t('labeling.problem.empty_text') : t('labeling.problem.empty_line', { n: problem.index + 1 });
    case 'box_too_small':
    case 'box_outside':
    case 'too_few_points':
    case 'point_outside':
      return t(`labeling.problem.${problem.code}`, { n: problem.index + 1 });
  }
}
