import { describe, expect, it } from 'vitest';
import { dictionaries, type MessageKey } from '../i18n/dictionaries.ts';
import { interpolate } from './interpolate.ts';
import { apiErrorText } from './api-error-text.ts';

const zh = (key: MessageKey, params?: Record<string, string | number>) => interpolate(dictionaries['zh-CN'][key], params);

describe('apiErrorText', () => {
  it('translates known codes', () => {
    expect(apiErrorText({ status: 413, code: 'payload_too_large', message: 'The file "a.zip" is larger…' }, zh)).toBe(
      dictionaries['zh-CN']['error.payload_too_large'],
    );
    expect(apiErrorText({ status: 0, code: 'network', message: '' }, zh)).toBe(dictionaries['zh-CN']['error.network']);
  });
  it('shows the server message for bad requests and unknown codes, a generic line without one', () => {
    expect(apiErrorText({ status: 400, code: 'bad_request', message: 'Unknown dataset format "x"' }, zh)).toBe(
      'Unknown dataset format "x"',
    );
    expect(apiErrorText({ status: 409, code: 'conflict', message: 'Already running.' }, zh)).toBe('Already running.');
    expect(apiErrorText({ status: 502, code: 'error', message: '' }, zh)).toBe('服务器返回了意外的结果（HTTP 502）。');
  });
});
