/**
 * Labels delivered by an external tool for a labeling job (the webhook of docs/contracts.md,
 * "Labeling"): `aip` (manifest-style entries), `coco` (a COCO instances file) or `label-studio`
 * (a Label Studio JSON export). All or nothing: with any problem, no labels at all, so a delivery
 * is never half applied; items the delivery does not mention are not in the map.
 */
import { readAipDelivery } from './aip.ts';
import { readCocoDelivery } from './coco.ts';
import { DeliveryCollector, ItemIndex, type DeliveryResult } from './collect.ts';
import { readLabelStudioDelivery } from './label-studio.ts';
import { DELIVERY_FORMATS, type DeliveryFormat, type LabelItemRef, type LabelingTarget } from './types.ts';

/** Parses an external tool's labels for a job's items; `labels` is keyed by item id. */
export function parseLabelDelivery(format: DeliveryFormat, payload: unknown, items: readonly LabelItemRef[], target: LabelingTarget): DeliveryResult {
  const index = new ItemIndex(items);
  const collector = new DeliveryCollector(target);
  if (format === 'aip') readAipDelivery(payload, index, collector);
  else if (format === 'coco') readCocoDelivery(payload, index, target, collector);
  else if (format === 'label-studio') readLabelStudioDelivery(payload, index, target, collector);
  else collector.problem(`The delivery format ${JSON.stringify(format)} is unknown; it must be one of ${DELIVERY_FORMATS.join(', ')}.`);
  return collector.result();
}
