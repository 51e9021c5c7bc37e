/**
 * The labelers' keyboard: digits 1–9 choose a class, Delete removes the selected shape, Escape
 * cancels (the polygon in progress, the selection), N / → the next item, P / ← the one before,
 * + / − zoom, 0 the whole image, Enter accepts what is shown (a pre-label) and goes on, Ctrl+A
 * selects every image of the page (classification). Keys typed into a text field are the field's.
 */

export type LabelerAction =
  | { kind: 'class'; index: number }
  | { kind: 'delete' }
  | { kind: 'cancel' }
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'zoomIn' }
  | { kind: 'zoomOut' }
  | { kind: 'zoomReset' }
  | { kind: 'accept' }
  | { kind: 'selectAll' };

/** What a key event carries (a KeyboardEvent has all of it). */
export interface KeyLike {
  key: string;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The class index (0-based) a digit key chooses: '1' → 0 … '9' → 8; null for any other key. */
export function classIndexForKey(key: string): number | null {
  return /^[1-9]$/.test(key) ? Number(key) - 1 : null;
}

/** The key that chooses the class at `index`, or null past the ninth class. */
export const shortcutForClass = (index: number): string | null => (index >= 0 && index < 9 ? String(index + 1) : null);

/** The action of a key press, or null when the key is not the labeler's (or is typed into a field). */
export function labelerAction(event: KeyLike, typing: boolean): LabelerAction | null {
  if (event.altKey) return null;
  if (event.ctrlKey || event.metaKey) return !typing && event.key.toLowerCase() === 'a' ? { kind: 'selectAll' } : null;
  // In a field, Escape still leaves what is being drawn; everything else is typing.
  if (typing) return event.key === 'Escape' ? { kind: 'cancel' } : null;
  const index = classIndexForKey(event.key);
  if (index !== null) return { kind: 'class', index };
  switch (event.key) {
    case 'Delete':
    case 'Backspace':
      return { kind: 'delete' };
    case 'Escape':
      return { kind: 'cancel' };
    case 'n':
    case 'N':
    case 'ArrowRight':
      return { kind: 'next' };
    case 'p':
    case 'P':
    case 'ArrowLeft':
      return { kind: 'previous' };
    case '+':
    case '=':
      return { kind: 'zoomIn' };
    case '-':
    case '_':
      return { kind: 'zoomOut' };
    case '0':
      return { kind: 'zoomReset' };
    case 'Enter':
      return { kind: 'accept' };
    default:
      return null;
  }
}

/** Whether key presses on this element are typing (a text field, a select, an editable element). */
export function isTypingTarget(target: unknown): boolean {
  const element = target as { tagName?: unknown; type?: unknown; isContentEditable?: unknown } | null;
  if (!element || typeof element.tagName !== 'string') return false;
  const tag = element.tagName.toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (element.isContentEditable === true) return true;
  if (tag !== 'INPUT') return false;
  const type = typeof element.type === 'string' ? element.type.toLowerCase() : 'text';
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(type);
}
