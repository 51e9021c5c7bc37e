/**
 * Messages name commands, files and flags (`npm start`, `.aip/token`) that must stay as typed in
 * every language: the dictionaries mark them with backticks, and the page shows them as code.
 */
export interface Span {
  text: string;
  code: boolean;
}

/** "Run `npm start` now" → text "Run ", code "npm start", text " now"; an unpaired backtick stays text. */
export function codeSpans(message: string): Span[] {
  const parts = message.split('`');
  // An odd number of backticks: the last one opens nothing, so it is shown as it is.
  if (parts.length % 2 === 0) parts.splice(parts.length - 2, 2, `${parts[parts.length - 2]}\`${parts[parts.length - 1]}`);
  return parts.map((text, i) => ({ text, code: i % 2 === 1 })).filter((span) => span.text !== '');
}
