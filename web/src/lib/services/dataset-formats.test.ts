import { describe, expect, it } from 'vitest';
import { DATASET_FORMATS as SERVER_FORMATS } from '@aip/datasets-spec';
import { DATASET_FORMATS } from './dataset-formats.ts';

describe('DATASET_FORMATS', () => {
  it('offers exactly the formats the server knows', () => {
    expect([...DATASET_FORMATS]).toEqual([...SERVER_FORMATS]);
  });
});
