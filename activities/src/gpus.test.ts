import { describe, expect, it } from 'vitest';
import { describeDevices, detectGpus, parseGpuIndices, trainingDevices, TrainingSlotsError } from './gpus.ts';

describe('GPU detection and training slots', () => {
  it('reads the GPU indices nvidia-smi lists, and refuses output it does not understand', () => {
    expect(parseGpuIndices('0\n1\n2\n3\n')).toEqual([0, 1, 2, 3]);
    expect(parseGpuIndices(' 1\r\n0 \r\n\n')).toEqual([1, 0]);
    expect(parseGpuIndices('')).toEqual([]);
    expect(() => parseGpuIndices('0\nNVIDIA-SMI has failed because it could not communicate with the NVIDIA driver\n')).toThrow(/unexpected nvidia-smi output line "NVIDIA-SMI has failed/);
    expect(() => parseGpuIndices('index\n0\n')).toThrow(/unexpected nvidia-smi output line "index"/);
    expect(() => parseGpuIndices('0\n0\n')).toThrow(/twice/);
  });

  it('detects GPUs with nvidia-smi, and falls back to the CPU when it is absent, fails or lists none', async () => {
    const calls: string[][] = [];
    const found = await detectGpus(async (command, args) => {
      calls.push([command, ...args]);
      return '0\n1\n';
    });
    expect(found).toEqual({ gpus: [0, 1] });
    expect(calls).toEqual([['nvidia-smi', '--query-gpu=index', '--format=csv,noheader']]);

    const absent = Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' });
    expect(await detectGpus(async () => Promise.reject(absent))).toEqual({ gpus: [], reason: 'nvidia-smi not found' });
    const failing = Object.assign(new Error('Command failed: nvidia-smi\nNo devices were found'), { code: 9 });
    expect(await detectGpus(async () => Promise.reject(failing))).toEqual({ gpus: [], reason: 'nvidia-smi failed: Command failed: nvidia-smi' });
    expect(await detectGpus(async () => '')).toEqual({ gpus: [], reason: 'nvidia-smi lists no GPU' });
    expect((await detectGpus(async () => 'garbage')).gpus).toEqual([]);
  });

  it('gives each GPU one slot whose trainer sees only that GPU', () => {
    const devices = trainingDevices([0, 1, 2, 3]);
    expect(devices.map((d) => d.gpu)).toEqual([0, 1, 2, 3]);
    expect(devices[2]!.env).toEqual({ CUDA_DEVICE_ORDER: 'PCI_BUS_ID', CUDA_VISIBLE_DEVICES: '2' });
    expect(describeDevices(devices, { gpus: [0, 1, 2, 3] })).toBe('4 GPUs (0,1,2,3)');
    // Fewer slots than GPUs: the first ones.
    const two = trainingDevices([4, 5, 6], { slots: 2 });
    expect(two.map((d) => d.env.CUDA_VISIBLE_DEVICES)).toEqual(['4', '5']);
    expect(describeDevices(two, { gpus: [4, 5, 6] })).toBe('2 GPUs (4,5) of 3');
  });

  it('refuses more slots than GPUs, saying why', () => {
    expect(() => trainingDevices([0, 1], { slots: 3 })).toThrow(TrainingSlotsError);
    expect(() => trainingDevices([0, 1], { slots: 3 })).toThrow(
      /^AIP_TRAINING_SLOTS=3 asks for more training jobs than this worker has GPUs \(2: 0,1\); jobs would share a GPU\./,
    );
    expect(() => trainingDevices([], { slots: 0 })).toThrow(/1 or more/);
  });

  it('trains on the CPU without GPUs: one slot, or AIP_TRAINING_SLOTS of them; AIP_GPUS=none hides the machine\'s GPUs', () => {
    const one = trainingDevices([]);
    expect(one).toEqual([{ gpu: undefined, env: {} }]);
    expect(describeDevices(one, { gpus: [], reason: 'nvidia-smi not found' })).toBe('CPU only, 1 training slot (nvidia-smi not found)');
    const three = trainingDevices([], { slots: 3 });
    expect(three).toHaveLength(3);
    expect(describeDevices(three, { gpus: [] })).toBe('CPU only, 3 training slots');
    expect(trainingDevices([], { hideGpus: true })).toEqual([{ gpu: undefined, env: { CUDA_VISIBLE_DEVICES: '' } }]);
  });
});
