// Ids, names and reasons shown by the CLI come from billing systems and QuickBooks. An escape sequence in a
// customer name could clear an operator's screen, rewrite earlier lines or set the window title; a
// carriage return or a bidi override could make one id look like another. Shown escaped instead.

/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides/isolates/marks. */
const UNSAFE_FOR_TERMINAL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each unsafe character written as a visible `\uXXXX`. */
export function escapeForTerminal(text: string): string {
  return text.replace(UNSAFE_FOR_TERMINAL, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}
