import { TransformError } from './errors.ts';
import { readField } from './field-path.ts';
import { valueToText } from './value-text.ts';

export type Template = (record: object) => string;

/**
 * Compiles a text template such as `Hi {first_name} from {address.city}`. A placeholder names a field or
 * a dotted path into nested objects (see `readField`) and shows its value as `valueToText` does; a
 * missing or null value shows as nothing. `{{` and `}}` are literal braces. A malformed template throws
 * `config-invalid` at `configPath`.
 */
export function compileTemplate(template: string, configPath: string): Template {
  const literals: string[] = [];
  const fields: string[][] = [];
  let literal = '';
  let index = 0;
  while (index < template.length) {
    const char = template[index];
    const next = template[index + 1];
    if ((char === '{' && next === '{') || (char === '}' && next === '}')) {
      literal += char;
      index += 2;
    } else if (char === '{') {
      const close = template.indexOf('}', index);
      const name = close === -1 ? '' : template.slice(index + 1, close).trim();
      if (close === -1 || name === '' || name.includes('{')) {
        throw new TransformError(
          'config_invalid',
          `${configPath}: placeholder at position ${index + 1} needs a field name and a closing '}' (write {{ for a literal brace)`,
          { path: configPath },
        );
      }
      literals.push(literal);
      fields.push(name.split('.'));
      literal = '';
      index = close + 1;
    } else if (char === '}') {
      throw new TransformError(
        'config_invalid',
        `${configPath}: unexpected '}' at position ${index + 1} (write }} for a literal brace)`,
        { path: configPath },
      );
    } else {
      literal += char;
      index++;
    }
  }
  literals.push(literal);
  return (record) => {
    let text = literals[0]!;
    for (let placeholder = 0; placeholder < fields.length; placeholder++) {
      text += valueToText(readField(record, fields[placeholder]!)) + literals[placeholder + 1]!;
    }
    return text;
  };
}
