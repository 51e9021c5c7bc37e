import sharp from 'sharp';

/** An image decoded once to packed 8-bit RGB (row-major HWC), upright (EXIF orientation applied). */
export interface DecodedImage {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

/** Pixel box, xyxy, in the coordinates of the original (decoded, upright) image. */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The bytes given are not an image sharp can decode (or one too large to decode safely). */
export class ImageDecodeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageDecodeError';
  }
}

/**
 * Refuse images above this many pixels: a 4 MB PNG can otherwise expand to gigabytes of RGB.
 * 50 megapixels (150 MB of RGB) is far above any photo a vision model needs.
 */
export const MAX_INPUT_PIXELS = 50_000_000;

/** Decode jpeg/png/webp/… bytes to upright RGB. Alpha is dropped, grey and CMYK become sRGB. */
export async function decodeImage(bytes: Buffer | Uint8Array): Promise<DecodedImage> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .autoOrient()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new Error(`decoded to ${info.channels} channels instead of 3`);
    }
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw new ImageDecodeError(`cannot decode image: ${(err as Error).message}`, { cause: err });
  }
}

function rawInput(image: DecodedImage) {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
}

/** Integer pixel region covering `box`, clamped to the image and at least 1×1. */
export function cropRegion(image: DecodedImage, box: Box) {
  const clamp = (v: number, max: number) => Math.min(Math.max(v, 0), max);
  const left = Math.min(Math.floor(clamp(box.x1, image.width)), image.width - 1);
  const top = Math.min(Math.floor(clamp(box.y1, image.height)), image.height - 1);
  const right = Math.max(Math.ceil(clamp(box.x2, image.width)), left + 1);
  const bottom = Math.max(Math.ceil(clamp(box.y2, image.height)), top + 1);
  return { left, top, width: right - left, height: bottom - top };
}

/** Cut `box` out of `image` (clamped to the image). Returns the crop and where it sits. */
export async function cropImage(
  image: DecodedImage,
  box: Box,
): Promise<{ image: DecodedImage; left: number; top: number }> {
  const region = cropRegion(image, box);
  const data = await rawInput(image).extract(region).raw().toBuffer();
  return { image: { data, width: region.width, height: region.height }, left: region.left, top: region.top };
}

/**
 * The model input of the contract: stretch (no letterbox) to [H, W], then float32 NCHW RGB 0..255.
 * Bilinear resampling: training-time preprocessing should resize the same way (PIL BILINEAR).
 */
export async function toInputTensorData(image: DecodedImage, [height, width]: readonly [number, number]): Promise<Float32Array> {
  const hwc =
    image.width === width && image.height === height
      ? image.data
      : await rawInput(image).resize({ width, height, fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  const plane = width * height;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    chw[i] = hwc[3 * i]!;
    chw[plane + i] = hwc[3 * i + 1]!;
    chw[2 * plane + i] = hwc[3 * i + 2]!;
  }
  return chw;
}

/** A model's image output (float32 NCHW RGB, 0..255) as a decoded image, resized to `width × height`. */
export async function fromOutputTensor(chw: Float32Array, [height, width]: readonly [number, number], size: { width: number; height: number }): Promise<DecodedImage> {
  const plane = width * height;
  const hwc = Buffer.alloc(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) hwc[3 * i + c] = Math.min(255, Math.max(0, Math.round(chw[c * plane + i]!)));
  }
  const image = { data: hwc, width, height };
  if (width === size.width && height === size.height) return image;
  const data = await rawInput(image).resize({ width: size.width, height: size.height, fit: 'fill', kernel: 'linear' }).raw().toBuffer();
  return { data, width: size.width, height: size.height };
}

/** PNG bytes of a decoded image (lossless: what a client gets is what the model made). */
export function encodePng(image: DecodedImage): Promise<Buffer> {
  return rawInput(image).png().toBuffer();
}
