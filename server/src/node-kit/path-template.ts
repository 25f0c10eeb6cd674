import { ConfigError } from '../errors.ts';
import type { NodeContext } from './contract.ts';

const placeholder = /\{([A-Za-z]+)\}/g;

/** Expands `{flow}`, `{runId}` and `{runDate}` in a destination path; anything else is a config error. */
export function expandPathTemplate(
  template: string,
  ctx: Pick<NodeContext, 'flowName' | 'runId' | 'runDate' | 'nodeId'>,
) {
  const values: Record<string, string> = { flow: ctx.flowName, runId: ctx.runId, runDate: ctx.runDate };
  return template.replace(placeholder, (match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new ConfigError(`unknown placeholder ${match} in "${template}"; use {flow}, {runId} or {runDate}`, {
        nodeId: ctx.nodeId,
      });
    }
    return value;
  });
}
