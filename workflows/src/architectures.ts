/**
 * The model architectures each task can train, as the trainer's job spec names them
 * (docs/contracts.md, "Job spec"). The editor lists these; the validator and compiler use the
 * default when a node names none.
 */
import type { TaskType } from './plan.ts';

export interface Architecture {
  /** The trainer's name for it (job spec `arch`). */
  id: string;
  /** One line for a non-specialist choosing between them. */
  description: string;
}

export interface TaskArchitectures {
  /** Used when a node names no architecture; null while the task has none. */
  default: string | null;
  options: readonly Architecture[];
}

export const ARCHITECTURES: Readonly<Record<TaskType, TaskArchitectures>> = {
  classification: {
    default: 'tiny_cnn',
    options: [
      { id: 'tiny_cnn', description: 'Small and fast; trains in minutes on a CPU. Good for simple images.' },
      { id: 'resnet18', description: 'Classic mid-size network; more accurate, best trained on a GPU.' },
      {
        id: 'mobilenet_v3_small',
        description: 'Compact network built for phones and small devices; a good accuracy/speed balance.',
      },
      {
        id: 'efficientnet_b0',
        description: 'EfficientNet-B0: high accuracy for its size on real photos; best trained on a GPU.',
      },
      {
        id: 'resnet50',
        description: 'ResNet-50, the widely used larger network: most accurate on real photos, slower; best trained on a GPU.',
      },
    ],
  },
  detection: {
    default: 'tiny_det',
    options: [
      { id: 'tiny_det', description: 'Small and fast object detector; trains on a CPU. Good for simple scenes.' },
      {
        id: 'fasterrcnn_mobilenet_v3_large_320_fpn',
        description: 'Faster R-CNN with a mobile backbone; more accurate on real photos, best trained on a GPU.',
      },
      {
        id: 'retinanet_resnet50_fpn_v2',
        description: 'RetinaNet: a large, accurate detector for real photos, good with many small objects; best trained on a GPU.',
      },
      {
        id: 'fcos_resnet50_fpn',
        description: 'FCOS: a large, accurate detector for real photos that copes well with unusually shaped objects; best trained on a GPU.',
      },
      {
        id: 'ssdlite320_mobilenet_v3_large',
        description: 'SSDlite: a light, fast detector for real photos, made for phones and small devices; best trained on a GPU.',
      },
    ],
  },
  text_detection: {
    default: 'tiny_dbnet',
    options: [
      {
        id: 'tiny_dbnet',
        description: 'Small text-line finder (straight or slanted lines, any script); trains in minutes on a CPU.',
      },
      {
        id: 'dbnet_mobilenet_v3_large',
        description: 'Text-line finder with a mobile backbone, for real photos and scanned pages; best trained on a GPU.',
      },
    ],
  },
  text_recognition: {
    default: 'crnn_tiny',
    options: [
      { id: 'crnn_tiny', description: 'Small CRNN reading one line of text (any characters, Chinese included); trains in minutes on a CPU.' },
      { id: 'crnn_mobilenet_v3_small', description: 'CRNN with a mobile backbone, for real photos of text; best trained on a GPU.' },
    ],
  },
  segmentation: {
    default: 'tiny_unet',
    options: [
      { id: 'tiny_unet', description: 'Small U-Net; trains in minutes on a CPU. Good for clear shapes on plain backgrounds.' },
      {
        id: 'lraspp_mobilenet_v3_large',
        description: 'Lite R-ASPP with a mobile backbone: fast and compact, for real photos; best trained on a GPU.',
      },
      {
        id: 'deeplabv3_mobilenet_v3_large',
        description: 'DeepLabV3 with a mobile backbone: more accurate outlines on real photos; best trained on a GPU.',
      },
    ],
  },
  enhancement: {
    default: 'unet_enhance_tiny',
    options: [
      { id: 'unet_enhance_tiny', description: 'Small U-Net that learns the correction (denoise, deblur, fix colour); trains in minutes on a CPU.' },
      { id: 'unet_enhance', description: 'Wider U-Net for real photos and larger images; best trained on a GPU.' },
    ],
  },
};

export function architecturesFor(task: TaskType): readonly Architecture[] {
  return ARCHITECTURES[task].options;
}

export function defaultArchitecture(task: TaskType): string | null {
  return ARCHITECTURES[task].default;
}

/** A task can be used in a flowchart once it has at least one architecture to train. */
export function isTaskSupported(task: TaskType): boolean {
  return ARCHITECTURES[task].options.length > 0;
}

export function isKnownArchitecture(task: TaskType, arch: string): boolean {
  return ARCHITECTURES[task].options.some((a) => a.id === arch);
}
