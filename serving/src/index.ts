// Public surface of @aip/serving: the one inference path used by bundles, stage-data derivation
// and cascade evaluation. No platform code here: this package ships inside deployment bundles.
export { bundleRuntimeFiles, type BundleRuntimeFile } from './bundle-files.ts';
export { type Envelope, formatLocalTime } from './envelope.ts';
export {
  type Box,
  type DecodedImage,
  ImageDecodeError,
  MAX_INPUT_PIXELS,
  cropImage,
  cropRegion,
  decodeImage,
  encodePng,
  fromOutputTensor,
} from './image.ts';
export {
  type ClassificationPrediction,
  type DetectedBox,
  type DetectionPrediction,
  type Model,
  ModelOutputError,
  type Prediction,
  type EnhancementPrediction,
  type SegmentationPrediction,
  type TextDetectionPrediction,
  type TextRecognitionPrediction,
  loadModel,
} from './model.ts';
export { type MaskRegion, type Outline, type OutlineOptions, type Point, maskRegions } from './mask-outline.ts';
export { DEFAULT_SCORE_THRESHOLD, type ModelSpec, type Task, parseModelSpec, readModelJson } from './model-spec.ts';
export {
  type ClassificationResult,
  type DetectedObject,
  type DetectionResult,
  type Pipeline,
  type PipelineResult,
  type RunOptions,
  type EnhancementResult,
  type SegmentationResult,
  type StageResult,
  type TextDetectionResult,
  type TextLineResult,
  type TextRecognitionResult,
  collectObjects,
  collectTextLines,
  createPipeline,
  loadPipeline,
  runPipeline,
} from './pipeline.ts';
export { type PipelineSpec, type StageSpec, parsePipelineSpec } from './pipeline-spec.ts';
export { MAX_BODY_BYTES, type ServerOptions, createServer } from './server.ts';
export { MAX_IMAGE_BYTES } from './request-image.ts';
export { SpecError } from './validate.ts';
export { type Quad, minAreaRect, readingOrder, rectifyTextLine, sampleQuad } from './text-line.ts';
export { type TextDetectionParams, type TextLine, decodeTextDetection } from './text-detect.ts';
