// Arrays passed to PostgreSQL as parameters (a batch's columns, a lookup's keys): as array literals
// built here rather than by the driver, which quotes and escapes every element of a JavaScript array.
// Hashes, ids and numbers, most of what Baton sends, need neither.

/** An array element PostgreSQL reads as written: nothing to quote or escape (emptiness and NULL aside). */
const PLAIN_ELEMENT = /^[^\s{}",\\]+$/;

/** One element of an array literal: as it is when PostgreSQL reads it so, else quoted and escaped. */
function arrayElement(item: unknown): string {
  if (item === null || item === undefined) return 'NULL';
  if (typeof item === 'number') return String(item);
  const text = String(item);
  const plain =
    text.length > 0 && PLAIN_ELEMENT.test(text) && !(text.length === 4 && text.toLowerCase() === 'null');
  return plain ? text : `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * A text or integer array as PostgreSQL's array literal, quoting only the elements that need it:
 * hashes, ids and numbers, most of a batch, go as they are, where the driver would quote and escape
 * every element of a JavaScript array (a third of the scheduler's CPU for a batch of jobs).
 */
export function arrayLiteral(items: readonly unknown[]): string {
  let literal = '{';
  for (let i = 0; i < items.length; i++) literal += (i === 0 ? '' : ',') + arrayElement(items[i]);
  return `${literal}}`;
}
