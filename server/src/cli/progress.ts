import type { NodeCounts } from '../engine/run-stats.ts';

/**
 * A one-line live display on a terminal: rows/s at the sources and each node's counts,
 * redrawn every 250 ms on stderr so stdout stays clean for `--json`.
 */
export function startProgress(
  nodes: () => Iterable<[string, NodeCounts]>,
  stream: NodeJS.WriteStream = process.stderr,
): () => void {
  if (!stream.isTTY) return () => undefined;
  const started = Date.now();
  const draw = () => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    let sourceRows = 0;
    const parts: string[] = [];
    for (const [id, counts] of nodes()) {
      if (counts.wouldWrite !== undefined) {
        parts.push(`${id} would write ${counts.wouldWrite.toLocaleString('en')}`);
      } else if (counts.read === counts.written && counts.rejected === 0 && counts.filtered === 0) {
        parts.push(`${id} ${counts.written.toLocaleString('en')}`);
      } else {
        parts.push(
          `${id} ${counts.read.toLocaleString('en')}→${counts.written.toLocaleString('en')}` +
            (counts.rejected ? ` ✗${counts.rejected}` : '') +
            (counts.filtered ? ` −${counts.filtered}` : ''),
        );
      }
      sourceRows = Math.max(sourceRows, counts.read);
    }
    const rate = Math.round(sourceRows / seconds).toLocaleString('en');
    const line = `${rate} rows/s · ${parts.join(' · ')}`;
    stream.write(`\r\x1b[2K${line.slice(0, (stream.columns ?? 120) - 1)}`);
  };
  const timer = setInterval(draw, 250);
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    draw();
    stream.write('\n');
  };
}
