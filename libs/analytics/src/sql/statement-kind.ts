/** Statement kinds that only read. */
export const READ_ONLY_KINDS = ['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXPLAIN', 'EXISTS'] as const;

export type StatementCheck = { ok: true } | { ok: false; reason: string };

/**
 * Accepts one read-only statement: its first keyword is a reading one, it is a single statement
 * (a `;` may only end it) and it does not write a file (`INTO OUTFILE`). Comments and string
 * literals are skipped, so a `;` or keyword inside them does not count.
 */
export function checkReadOnly(sql: string): StatementCheck {
  const code = stripLiteralsAndComments(sql).trim().replace(/;\s*$/, '');
  if (code === '') return { ok: false, reason: 'the query is empty' };
  if (code.includes(';')) return { ok: false, reason: 'run one statement at a time (found more than one, separated by ;)' };
  const kind = /^\(*\s*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase() ?? '';
  if (!(READ_ONLY_KINDS as readonly string[]).includes(kind)) {
    return { ok: false, reason: `${kind || 'this'} statements are refused: only read-only queries run here (${READ_ONLY_KINDS.join(', ')})` };
  }
  if (/\bINTO\s+OUTFILE\b/i.test(code)) return { ok: false, reason: 'INTO OUTFILE writes a file and is refused; redirect the output instead' };
  if (/\bFORMAT\s+[A-Za-z][A-Za-z0-9]*\s*$/i.test(code)) return { ok: false, reason: 'leave out the FORMAT clause and choose the output format with --format' };
  return { ok: true };
}

/** Replaces string literals, quoted identifiers and comments with blanks, keeping the statement's shape. */
function stripLiteralsAndComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; ) {
    const two = sql.slice(i, i + 2);
    if (two === '--' || sql[i] === '#') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end;
    } else if (two === '/*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? sql.length : end + 2;
      out += ' ';
    } else if (sql[i] === "'" || sql[i] === '"' || sql[i] === '`') {
      const quote = sql[i];
      let j = i + 1;
      while (j < sql.length && sql[j] !== quote) j += sql[j] === '\\' ? 2 : 1;
      i = j + 1;
      out += ' x ';
    } else {
      out += sql[i++];
    }
  }
  return out;
}
