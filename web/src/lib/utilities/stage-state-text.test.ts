import { describe, expect, it } from 'vitest';
import { dictionaries } from '../i18n/dictionaries.ts';
import { stageStateText } from './stage-state-text.ts';

describe('stageStateText', () => {
  const zh = (key: keyof (typeof dictionaries)['zh-CN']) => dictionaries['zh-CN'][key];
  it('translates a known state and shows an unknown one as it is', () => {
    expect(stageStateText('training', zh)).toBe(dictionaries['zh-CN']['stageState.training']);
    expect(stageStateText('teleporting', zh)).toBe('teleporting');
  });
});
