/**
 * Compiles a function that returns one object literal naming every field: `(…params) => ({ "a": …,
 * "b": … })`, the value of field `index` being the JavaScript expression `valueCode(index)` over the
 * params. Records built field by field outgrow the four slots V8 gives `{}` and move their
 * properties to a separate array that grows as they come (about twice the memory, and far more
 * garbage); a literal gets all its slots at once, and every record shares one hidden class, which keeps
 * later nodes (map, JSON.stringify) on V8's fast paths. Names go in as JSON string literals, so no name
 * can become code; `__proto__` is written as a computed key, which makes an own field, not a prototype.
 * `valueCode` must return code made of the params and numbers only, never of data.
 */
export function compileRecordLiteral<F extends (...args: never[]) => Record<string, unknown>>(
  names: readonly string[],
  params: readonly string[],
  valueCode: (index: number) => string,
): F {
  const members = names.map((name, index) => {
    const key = name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
    return `${key}: ${valueCode(index)}`;
  });
  return new Function(...params, `return {\n${members.join(',\n')}\n};`) as F;
}
