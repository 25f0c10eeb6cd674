/**
 * How backup parts are named: `<stream>/part-00001.<extension>`. Names are deterministic, so a
 * replayed part overwrites itself, and any destination can tell a part from other files.
 */

/** `orders/part-00001.csv.gz` for part 1 of stream `orders`. */
export function partFileName(stream: string, part: number, extension: string, gzip: boolean): string {
  return `${stream}/part-${String(part).padStart(5, '0')}.${extension}${gzip ? '.gz' : ''}`;
}

/** Whether a file or object name (with or without its folders) is a part's. */
export function isPartName(name: string): boolean {
  return /(^|\/)part-\d{5}\./.test(name);
}

/** `orders/part-00001.csv.gz` → `orders`; `customers.csv` → `customers`. */
export function streamOf(name: string): string {
  const [first, ...rest] = name.split('/');
  if (rest.length > 0) return first!;
  return first!.replace(/\..*$/, '');
}
