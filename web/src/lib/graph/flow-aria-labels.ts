/**
 * Svelte Flow's own screen-reader and tooltip texts (zoom buttons, box and edge descriptions) in
 * the user's language: left alone they would be English on a Chinese page.
 */
import type { AriaLabelConfig } from '@xyflow/svelte';
import type { MessageKey } from '../i18n/dictionaries.ts';

type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

export function flowAriaLabels(t: Translate): Partial<AriaLabelConfig> {
  return {
    'node.a11yDescription.default': t('flow.aria.node'),
    'node.a11yDescription.keyboardDisabled': t('flow.aria.nodeKeyboard'),
    'node.a11yDescription.ariaLiveMessage': ({ x, y }) => t('flow.aria.moved', { x, y }),
    'edge.a11yDescription.default': t('flow.aria.edge'),
    'controls.ariaLabel': t('flow.aria.controls'),
    'controls.zoomIn.ariaLabel': t('flow.aria.zoomIn'),
    'controls.zoomOut.ariaLabel': t('flow.aria.zoomOut'),
    'controls.fitView.ariaLabel': t('flow.aria.fitView'),
    'controls.interactive.ariaLabel': t('flow.aria.interactive'),
    'minimap.ariaLabel': t('flow.aria.minimap'),
    'handle.ariaLabel': t('flow.aria.handle'),
  };
}
