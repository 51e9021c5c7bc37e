/** The operators' Temporal UI: the same host as AIP, port 8233 (the dev server's and compose's UI port). */
export function temporalUiUrl(location: { protocol: string; hostname: string }): string {
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `${location.protocol}//${host}:8233/`;
}
