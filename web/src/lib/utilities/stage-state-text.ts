import { isMessageKey, type MessageKey } from '../i18n/dictionaries.ts';

/** A stage state in the user's language (`stageState.<state>`); a state this app does not know, as it is. */
export function stageStateText(state: string, t: (key: MessageKey) => string): string {
  const key = `stageState.${state}`;
  return isMessageKey(key) ? t(key) : state;
}
