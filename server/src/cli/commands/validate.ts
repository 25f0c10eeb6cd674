import { describeIssue, type Flow } from '@backflow/flow-model';
import { Command } from 'commander';
import type { FlowIssueDetail } from '../../errors.ts';
import { validateFlow } from '../../service/flow-runner.ts';
import { exit } from '../exit-codes.ts';
import { readFlowFile } from '../flow-file.ts';
import { redactingStore, storedConnections, withStore } from '../store-access.ts';

function namesConnection(document: unknown): boolean {
  const nodes = (document as Partial<Flow> | undefined)?.nodes;
  return Array.isArray(nodes) && nodes.some((node) => typeof node?.connection === 'string');
}

/** `backflow validate`: checks a flow file (against the stored connections when it names one). */
export function validateCommand(): Command {
  return new Command('validate')
    .description('check a flow file: document, node configs, ports and cycles')
    .argument('<flow>', 'flow JSON file')
    .option('--json', 'print the issues as JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const document = await readFlowFile(file);
      const { issues } = namesConnection(document)
        ? await withStore(
            async (store) =>
              validateFlow(document, { connections: await storedConnections(store, redactingStore(store)) }),
            (client) => client.json<{ issues: FlowIssueDetail[] }>('POST', '/api/flows/validate', document),
          )
        : validateFlow(document);
      if (options.json) console.log(JSON.stringify({ valid: issues.length === 0, issues }));
      else if (issues.length === 0) console.log(`${file}: valid`);
      else {
        // Named by its node, an issue keeps its JSON path at the end, for tools and searches.
        for (const issue of issues) {
          const text = describeIssue(issue);
          console.error(`${file}: ${text}${text.startsWith(`${issue.path}:`) ? '' : ` (at ${issue.path})`}`);
        }
      }
      process.exitCode = issues.length === 0 ? exit.ok : exit.invalid;
    });
}
