// Tokeniser for QBO's query language: backslash-escaped single-quoted strings, case-insensitive words.
import { fault } from '../faults.js';

export type TokKind = 'word' | 'string' | 'number' | 'sym' | 'eof';

export interface Token {
  kind: TokKind;
  /** Raw text for words/symbols, unescaped value for strings. */
  text: string;
  column: number;
}

const WORD = /[A-Za-z_][A-Za-z0-9_.]*/y;
const NUMBER = /-?\d+(?:\.\d+)?/y;
const SYMBOLS = ['<=', '>=', '!=', '<>', '=', '<', '>', '(', ')', ',', '*'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const column = i + 1;
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= src.length) throw fault.queryParse(`Lexical error at line 1, column ${column}. Unterminated string.`);
        const c = src[i] ?? '';
        if (c === '\\') {
          // \' and \\ escape the next character, as in Intuit's examples.
          value += src[i + 1] ?? '';
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          value += c;
          i++;
        }
      }
      out.push({ kind: 'string', text: value, column });
      continue;
    }
    NUMBER.lastIndex = i;
    const num = /[-\d]/.test(ch) ? NUMBER.exec(src) : null;
    if (num) {
      out.push({ kind: 'number', text: num[0], column });
      i += num[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(src);
    if (word) {
      out.push({ kind: 'word', text: word[0], column });
      i += word[0].length;
      continue;
    }
    const sym = SYMBOLS.find((s) => src.startsWith(s, i));
    if (!sym) throw fault.queryParse(`Lexical error at line 1, column ${column}. Encountered: "${ch}"`);
    out.push({ kind: 'sym', text: sym, column });
    i += sym.length;
  }
  out.push({ kind: 'eof', text: '<EOF>', column: src.length + 1 });
  return out;
}
