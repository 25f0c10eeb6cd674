/**
 * Text a database can store as UTF-8. A JavaScript string may hold half of a surrogate pair (a
 * record built from broken input); UTF-8 has no spelling for it, so a driver would write a
 * replacement character and the table would differ from the record. Such text is refused instead.
 */

const anySurrogate = /[\uD800-\uDFFF]/;
const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text, or an Error saying why UTF-8 cannot hold it. */
export function utf8Text(text: string): string {
  // Nearly all text has no surrogate at all: one plain character-class test settles it.
  if (!anySurrogate.test(text)) return text;
  if (loneSurrogate.test(text)) throw new Error('invalid UTF-8: the text holds half of a surrogate pair');
  return text;
}
