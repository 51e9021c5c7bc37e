/**
 * Links into the operators' Temporal UI: the server's configured address (GET /api/me), else the
 * same host as AIP on port 8233 (where the dev server serves it).
 */
export function temporalUiUrl(location: { protocol: string; hostname: string }, configured?: string | null): string {
  if (configured) return configured.endsWith('/') ? configured : `${configured}/`;
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${location.protocol}//${host}:8233/`;
}

/** One workflow's page (a run's workflow id is the run id). */
export function temporalWorkflowUrl(ui: string, namespace: string, workflowId: string): string {
  return `${ui}namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/**
 * The workflows whose id starts with `prefix`: a stage's workflow is `<runId>/<nodeId>`, and each
 * retry starts another (`<runId>/<nodeId>/retry-<n>`), so the stage page lists them all.
 */
export function temporalWorkflowsUrl(ui: string, namespace: string, prefix: string): string {
  const query = `WorkflowId STARTS_WITH "${prefix.replace(/["\\]/g, '\\$&')}"`;
  return `${ui}namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}
