// Parser: SELECT * | count(*) FROM Entity [WHERE c AND c...] [ORDERBY f [ASC|DESC], ...] [STARTPOSITION n] [MAXRESULTS n]
import { fault } from '../faults.js';
import { type Token, tokenize } from './lexer.js';

export type Op = '=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';

export interface Literal {
  kind: 'string' | 'number' | 'bool';
  text: string;
}

export interface Condition {
  field: string;
  op: Op;
  values: Literal[];
}

export interface OrderBy {
  field: string;
  desc: boolean;
}

export interface Query {
  count: boolean;
  entity: string;
  where: Condition[];
  orderBy: OrderBy[];
  startPosition?: number;
  maxResults?: number;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  peek(): Token {
    return this.toks[this.i] ?? { kind: 'eof', text: '<EOF>', column: 0 };
  }

  next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }

  isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === 'word' && t.text.toUpperCase() === word;
  }

  fail(expecting: string): never {
    const t = this.peek();
    if (t.kind === 'word' && t.text.toUpperCase() === 'OR') {
      throw fault.queryParse(
        `Encountered " "OR" "OR "" at line 1, column ${t.column}. OR is not supported; use IN or separate queries.`,
      );
    }
    throw fault.queryParse(`Encountered " "${t.text}" at line 1, column ${t.column}. Was expecting: ${expecting}`);
  }

  word(word: string): void {
    if (!this.isWord(word)) this.fail(`"${word}"`);
    this.i++;
  }

  sym(s: string): void {
    const t = this.peek();
    if (t.kind !== 'sym' || t.text !== s) this.fail(`"${s}"`);
    this.i++;
  }

  ident(): string {
    const t = this.peek();
    if (t.kind !== 'word') this.fail('<IDENTIFIER>');
    this.i++;
    return t.text;
  }

  int(): number {
    const t = this.peek();
    if (t.kind !== 'number' || !/^-?\d+$/.test(t.text)) this.fail('<INTEGER>');
    this.i++;
    return Number(t.text);
  }

  literal(): Literal {
    const t = this.peek();
    if (t.kind === 'string') {
      this.i++;
      return { kind: 'string', text: t.text };
    }
    if (t.kind === 'number') {
      this.i++;
      return { kind: 'number', text: t.text };
    }
    if (t.kind === 'word' && /^(true|false)$/i.test(t.text)) {
      this.i++;
      return { kind: 'bool', text: t.text.toLowerCase() };
    }
    return this.fail('<STRING> | <NUMBER> | true | false');
  }

  condition(): Condition {
    const field = this.ident();
    if (this.isWord('IN')) {
      this.i++;
      this.sym('(');
      const values = [this.literal()];
      while (this.peek().text === ',' && this.peek().kind === 'sym') {
        this.i++;
        values.push(this.literal());
      }
      this.sym(')');
      return { field, op: 'IN', values };
    }
    if (this.isWord('LIKE')) {
      this.i++;
      const t = this.peek();
      if (t.kind !== 'string') this.fail('<STRING>');
      this.i++;
      return { field, op: 'LIKE', values: [{ kind: 'string', text: t.text }] };
    }
    const t = this.peek();
    if (t.kind !== 'sym' || !['=', '<', '>', '<=', '>='].includes(t.text))
      this.fail('"=" | "<" | ">" | "<=" | ">=" | "IN" | "LIKE"');
    this.i++;
    return { field, op: t.text as Op, values: [this.literal()] };
  }

  parse(): Query {
    this.word('SELECT');
    let count = false;
    if (this.peek().kind === 'sym' && this.peek().text === '*') {
      this.i++;
    } else if (this.isWord('COUNT')) {
      this.i++;
      this.sym('(');
      this.sym('*');
      this.sym(')');
      count = true;
    } else {
      this.fail('"*" | "count(*)"');
    }
    this.word('FROM');
    const q: Query = { count, entity: this.ident(), where: [], orderBy: [] };
    if (this.isWord('WHERE')) {
      this.i++;
      q.where.push(this.condition());
      while (this.isWord('AND')) {
        this.i++;
        q.where.push(this.condition());
      }
    }
    if (this.isWord('ORDERBY')) {
      this.i++;
      do {
        if (q.orderBy.length > 0) this.i++;
        const field = this.ident();
        let desc = false;
        if (this.isWord('DESC')) {
          this.i++;
          desc = true;
        } else if (this.isWord('ASC')) this.i++;
        q.orderBy.push({ field, desc });
      } while (this.peek().kind === 'sym' && this.peek().text === ',');
    }
    for (;;) {
      if (this.isWord('STARTPOSITION') && q.startPosition === undefined) {
        this.i++;
        q.startPosition = this.int();
      } else if (this.isWord('MAXRESULTS') && q.maxResults === undefined) {
        this.i++;
        q.maxResults = this.int();
      } else break;
    }
    if (this.peek().kind !== 'eof') this.fail('<EOF>');
    return q;
  }
}

export function parseQuery(src: string): Query {
  return new Parser(tokenize(src)).parse();
}
