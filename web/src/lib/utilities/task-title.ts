import { isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';

/**
 * A task's name in the user's language (`task.<name>`); for a task this version of the web app
 * has no translation for, the API's own title, else the task's id.
 */
export function taskTitle(
  task: string,
  apiTitle: string | undefined,
  t: (key: MessageKey, params?: Record<string, string | number>) => string,
): string {
  const key = `task.${task}`;
  if (isMessageKey(key)) return t(key);
  return apiTitle ?? task;
}
