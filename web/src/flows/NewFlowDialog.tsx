import type { Flow, SavedFlow } from '../api/types.ts';
import { openUnsaved } from '../editor/session.ts';
import { toast } from '../ui/toasts.tsx';
import { freeName } from './free-name.ts';
import { NameDialog } from './NameDialog.tsx';

/** Names a new flow, empty or from a template, and opens it unsaved in the editor. */
export function NewFlowDialog(props: { template?: Flow; flows: readonly SavedFlow[]; onClose(): void }) {
  const { template, flows } = props;
  return (
    <NameDialog
      title={template ? `New flow from ${template.name}` : 'New flow'}
      action={template ? 'Open' : 'Create'}
      initial={freeName(template?.name ?? 'new-flow', flows)}
      onClose={props.onClose}
      onSubmit={async (name) => {
        if (flows.some((flow) => flow.name === name)) {
          toast(`A flow named “${name}” exists already`, { tone: 'error' });
          return;
        }
        if (!template) {
          openUnsaved({ name, nodes: [], edges: [] });
          return;
        }
        // Laid out afresh for this editor's node size (the files' positions suit a narrower drawing).
        const flow = structuredClone(template);
        openUnsaved({ ...flow, name, nodes: flow.nodes.map(({ position: _position, ...node }) => node) });
      }}
    />
  );
}
