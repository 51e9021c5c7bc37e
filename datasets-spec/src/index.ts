/** @aip/datasets-spec: dataset upload formats, the safe zip reader and the canonical manifest. */
export { DatasetError, PROBLEM_CODES, describeProblem, type Problem, type ProblemCode, type ProblemParams, type ProblemText } from './problems.ts';
export type { TextEncoding } from './text.ts';
export { decodeText } from './text.ts';
export { DEFAULT_ZIP_LIMITS, checkEntryName, extractZip, formatBytes, type ExtractOptions, type ExtractedZip, type ZipLimits } from './zip.ts';
export { IMAGE_EXTENSIONS, isImagePath, probeImage, storeImage, storedPath, type ImageFormat, type ImageInfo, type ImageProbe } from './images.ts';
export {
  DATASET_FILE,
  DATASET_FORMATS,
  MANIFEST_FILE,
  SPLITS,
  compareStrings,
  describeDataset,
  entryProblem,
  parseManifest,
  readManifest,
  splitOf,
  writeManifest,
  type Box,
  type DatasetEncoding,
  type DatasetFormat,
  type DatasetInfo,
  type DatasetInfoInput,
  type ManifestEntry,
  type Split,
} from './manifest.ts';
export { checkClassification } from './formats/classification.ts';
export { LABEL_FILE, checkDetection, findLabelFile, parseLabelText, type LabelBox, type LabelRecord } from './formats/detection.ts';
export type { CheckOptions, DatasetItem, FormatCheck } from './formats/types.ts';
export {
  formatTasks,
  importDataset,
  type ImportOptions,
  type ImportPhase,
  type ImportProgress,
  type ImportReport,
  type ImportResult,
} from './import.ts';
export { LABEL_HEAD_LINES, inferFormat, labelHeadFormat, readTextHead, type FormatInference, type InferableFormat } from './infer-format.ts';
export { validateZip, type ReportedProblem, type ValidateOptions, type ValidationReport, type ValidationStats } from './validate.ts';
export { EXPORT_TARGETS, ExportError, exportDataset, exportTargets, type ExportOptions, type ExportResult, type ExportTarget } from './export/export.ts';
export { signedArea2, type Polygon } from './manifest.ts';
export { checkTextRecognition, parseTextLines, type TextLine } from './formats/text-recognition.ts';
export { checkPolygon, checkSegmentation, checkTextDetection, parsePolygon, selfIntersects, type LabelPolygon, type LabelShape } from './formats/shapes.ts';
export { checkEnhancement, isEnhancementLayout } from './formats/enhancement.ts';
export { checkRefinery, checkUnlabeled } from './formats/unlabeled.ts';
export {
  area,
  boundsOf,
  clipPolygon,
  intersectRegion,
  iou,
  matchByIou,
  matchPolygonsByIou,
  polygonArea,
  polygonIou,
  withoutRepeats,
  type Points,
  type Rect,
  type Region,
} from './derived/geometry.ts';
export { labelsInRegion, objectsOf, scaleLabels, type LabeledObject, type RegionLabels, type RegionOptions } from './derived/carry.ts';
export { DerivedDatasetWriter, type DerivedDatasetOptions, type DerivedItem, type RawImage } from './derived/writer.ts';
export {
  DELIVERY_FORMATS,
  LABEL_TASKS,
  type DeliveryFormat,
  type ExportItem,
  type ItemLabels,
  type LabelItemRef,
  type LabelProblem,
  type LabelTask,
  type LabelingTarget,
} from './labels/types.ts';
export { checkItemLabels, type CheckedLabels } from './labels/check.ts';
export { parseLabelDelivery } from './labels/delivery.ts';
export type { DeliveryResult } from './labels/collect.ts';
export { labelStudioConfig, labelStudioTasks } from './labels/label-studio.ts';
export { labelingCoco, type LabelingCocoAnnotation, type LabelingCocoFile } from './labels/coco.ts';
