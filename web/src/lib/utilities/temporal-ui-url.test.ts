import { describe, expect, it } from 'vitest';
import { temporalUiUrl, temporalWorkflowsUrl, temporalWorkflowUrl } from './temporal-ui-url.ts';

describe('temporalUiUrl', () => {
  it('keeps the host and scheme, with port 8233', () => {
    expect(temporalUiUrl({ protocol: 'http:', hostname: '10.0.0.5' })).toBe('http://10.0.0.5:8233/');
    expect(temporalUiUrl({ protocol: 'https:', hostname: 'aip.example.com' })).toBe('https://aip.example.com:8233/');
  });
  it('brackets an IPv6 host', () => {
    expect(temporalUiUrl({ protocol: 'http:', hostname: '::1' })).toBe('http://[::1]:8233/');
  });
  it('prefers the address the server is configured with', () => {
    expect(temporalUiUrl({ protocol: 'http:', hostname: 'x' }, 'https://temporal.example.com')).toBe('https://temporal.example.com/');
    expect(temporalUiUrl({ protocol: 'http:', hostname: 'x' }, null)).toBe('http://x:8233/');
  });
});

describe('workflow links', () => {
  const ui = 'http://h:8233/';
  it('opens one workflow by id', () => {
    expect(temporalWorkflowUrl(ui, 'default', 'run_1')).toBe('http://h:8233/namespaces/default/workflows/run_1');
  });
  it('lists the workflows of a stage, its retries included', () => {
    const url = new URL(temporalWorkflowsUrl(ui, 'default', 'run_1/detect'));
    expect(url.pathname).toBe('/namespaces/default/workflows');
    expect(url.searchParams.get('query')).toBe('WorkflowId STARTS_WITH "run_1/detect"');
  });
});
