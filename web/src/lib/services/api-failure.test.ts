import { describe, expect, it } from 'vitest';
import { ApiFailure } from './api-failure.ts';

describe('ApiFailure.fromBody', () => {
  it('keeps the code, the message and the problems the API listed', () => {
    const problem = { code: 'missing_input', nodeId: 'c', message: 'The stage "c" has no input.', params: { node: 'c' } };
    const failure = ApiFailure.fromBody(400, { error: { code: 'invalid_flowchart', message: 'The flowchart cannot run', problems: [problem] } });
    expect(failure).toMatchObject({ status: 400, code: 'invalid_flowchart', message: 'The flowchart cannot run', problems: [problem] });
  });

  it('copes with a body that is not the API’s error shape', () => {
    expect(ApiFailure.fromBody(502, '<html>Bad gateway</html>')).toMatchObject({ status: 502, code: 'error', message: '', problems: [] });
    expect(ApiFailure.fromBody(500, { error: { code: 'internal', problems: 'no' } }).problems).toEqual([]);
  });
});
