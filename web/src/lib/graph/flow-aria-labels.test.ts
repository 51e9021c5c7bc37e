import { describe, expect, it } from 'vitest';
import { dictionaries } from '../i18n/dictionaries.ts';
import { interpolate } from '../utilities/interpolate.ts';
import { flowAriaLabels } from './flow-aria-labels.ts';

describe('flowAriaLabels', () => {
  it('translates every text Svelte Flow shows or reads out', () => {
    const zh = flowAriaLabels((key, params) => interpolate(dictionaries['zh-CN'][key], params));
    expect(zh['controls.zoomIn.ariaLabel']).toBe('放大');
    const moved = zh['node.a11yDescription.ariaLiveMessage'];
    expect(typeof moved === 'function' ? moved({ direction: 'left', x: 10, y: 20 }) : moved).toContain('10');
    // Key names (Esc) stay as printed on the keyboard.
    for (const value of Object.values(zh)) if (typeof value === 'string') expect(value.replaceAll('Esc', '')).not.toMatch(/[A-Za-z]{3}/);
  });
});
