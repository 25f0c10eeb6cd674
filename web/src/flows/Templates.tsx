import type { Flow } from '../api/types.ts';

/** The repository's example flows as cards; choosing one starts a new flow from it. */
export function Templates(props: { templates: readonly Flow[]; onChoose(template: Flow): void }) {
  return (
    <section className="templates">
      <h2>Templates</h2>
      <p className="muted">The repository’s examples: open one, adjust it, save it under your own name.</p>
      <div className="template-grid">
        {props.templates.map((template) => (
          <button
            type="button"
            key={template.name}
            className="template-card"
            data-template={template.name}
            onClick={() => props.onChoose(template)}
          >
            <span className="template-name">{template.name}</span>
            <span className="template-description">{template.description}</span>
            <span className="template-nodes">{template.nodes.map((node) => node.type).join(' → ')}</span>
          </button>
        ))}
      </div>
    </section>
  );
}
