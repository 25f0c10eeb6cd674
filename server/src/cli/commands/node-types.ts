import { Command } from 'commander';
import { describeNodeType, nodeTypes } from '../../nodes/registry.ts';

/** `backflow node-types`: the node types a flow may use. */
export function nodeTypesCommand(): Command {
  return new Command('node-types')
    .description('list the node types')
    .option('--json', 'print them with their config schemas and ports')
    .action((options: { json?: boolean }) => {
      if (options.json) {
        console.log(JSON.stringify(nodeTypes.map(describeNodeType), null, 2));
        return;
      }
      for (const type of nodeTypes) console.log(`${type.type.padEnd(22)} ${type.role.padEnd(12)} ${type.title}`);
    });
}
