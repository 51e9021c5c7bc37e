/**
 * `npm run sample-dataset -- [file.zip] [images]`: writes a small labeled detection dataset (shapes
 * on textured backgrounds, fine labels circle/ring/square/triangle) to try the platform with.
 */
import path from 'node:path';
import { drawShapeImages, writeDetectionZip } from './testing/shapes-dataset.ts';

const [file = 'shapes.zip', count = '240'] = process.argv.slice(2);
const images = Number(count);
if (!Number.isInteger(images) || images < 10) {
  console.error(`the image count must be a whole number of at least 10, not "${count}"`);
  process.exit(2);
}
const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
await writeDetectionZip(await drawShapeImages(images, 1), target);
console.log(`wrote ${images} labeled images to ${target}`);
