import { describe, expect, it } from 'vitest';
import { TASK_TYPES } from '@aip/workflows';
import { en } from '../i18n/en.ts';
import { zhCN } from '../i18n/zh-CN.ts';
import { taskTitle } from './task-title.ts';

const inChinese = (key: keyof typeof zhCN) => zhCN[key];

describe('taskTitle', () => {
  it('translates every task the flowchart schema knows, in both languages', () => {
    for (const task of TASK_TYPES) {
      expect(Object.hasOwn(en, `task.${task}`), task).toBe(true);
      expect(taskTitle(task, 'API title', inChinese)).not.toBe('API title');
    }
    expect(taskTitle('detection', 'object detection', inChinese)).toBe('目标检测');
  });

  it("falls back to the API's title, then to the id, for a task without a translation", () => {
    expect(taskTitle('pose_estimation', 'pose estimation', inChinese)).toBe('pose estimation');
    expect(taskTitle('pose_estimation', undefined, inChinese)).toBe('pose_estimation');
    expect(taskTitle('toString', undefined, inChinese)).toBe('toString');
  });
});
