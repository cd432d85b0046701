/**
 * Parser and evaluator for the answers of the reach-the-target family: integers, + - *, parentheses.
 * It accepts any well-formed expression (not only what the built-in policy emits), so outside
 * producers can be verified too.
 */

export type ParseResult = { ok: true; value: number; literals: number[] } | { ok: false; message: string };

const MAX_LENGTH = 500;

export function evaluateExpression(text: string): ParseResult {
  if (text.length > MAX_LENGTH) return { ok: false, message: `expression longer than ${MAX_LENGTH} characters` };
  const tokens = tokenize(text);
  if (typeof tokens === 'string') return { ok: false, message: tokens };
  const parser = new Parser(tokens);
  try {
    const value = parser.expression();
    if (!parser.atEnd()) return { ok: false, message: `unexpected '${parser.peek()}' at token ${parser.position}` };
    return { ok: true, value, literals: parser.literals };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

function tokenize(text: string): string[] | string {
  const tokens: string[] = [];
  const pattern = /\s*(\d+|[-+*()])/y;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(text);
    if (!match) return `unexpected character '${text.slice(index).trim()[0]}' at ${index}`;
    tokens.push(match[1]);
    index = pattern.lastIndex;
  }
  if (tokens.length === 0) return 'empty expression';
  return tokens;
}

/** expression := term (('+' | '-') term)* ; term := factor ('*' factor)* ; factor := int | '(' expression ')' */
class Parser {
  position = 0;
  readonly literals: number[] = [];

  constructor(private readonly tokens: string[]) {}

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  peek(): string | undefined {
    return this.tokens[this.position];
  }

  expression(): number {
    let value = this.term();
    while (this.peek() === '+' || this.peek() === '-') {
      const op = this.tokens[this.position++];
      const right = this.term();
      value = op === '+' ? value + right : value - right;
    }
    return value;
  }

  private term(): number {
    let value = this.factor();
    while (this.peek() === '*') {
      this.position++;
      value *= this.factor();
    }
    return value;
  }

  private factor(): number {
    const token = this.tokens[this.position++];
    if (token === undefined) throw new Error('expression ends early');
    if (token === '(') {
      const value = this.expression();
      if (this.tokens[this.position++] !== ')') throw new Error('missing )');
      return value;
    }
    if (/^\d+$/.test(token)) {
      const value = Number(token);
      if (!Number.isSafeInteger(value)) throw new Error(`number ${token} is too large`);
      this.literals.push(value);
      return value;
    }
    throw new Error(`unexpected '${token}' at token ${this.position - 1}`);
  }
}
