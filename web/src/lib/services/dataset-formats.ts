/**
 * The upload formats the server knows (datasets-spec's list, which needs Node and so cannot be
 * imported here; a test keeps the two equal).
 */
export const DATASET_FORMATS = [
  'unlabeled',
  'classification',
  'detection',
  'text_detection',
  'segmentation',
  'text_recognition',
  'enhancement',
  'refinery',
] as const;
