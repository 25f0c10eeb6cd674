import { useEffect, useState } from 'react';
import { api, describeError, signedInEvent } from '../api/client.ts';
import type { Catalog } from '../api/types.ts';
import { EditorPage } from '../editor/EditorPage.tsx';
import { FlowsPage } from '../flows/FlowsPage.tsx';
import { RunsPage } from '../runs/RunsPage.tsx';
import { editorStore } from '../store/editor.ts';
import { Toasts } from '../ui/toasts.tsx';
import { navigate, usePath } from './router.ts';

/** Loads the node types once (the palette and every form come from them), then shows the page of the path. */
export function App() {
  const path = usePath();
  const [catalog, setCatalog] = useState<{ ready: boolean; error?: { message: string; details: string[] } }>({
    ready: false,
  });
  const editor = /^\/flows\/([^/]+)$/.exec(path);
  useEffect(() => {
    const load = () =>
      api
        .nodeTypes()
        .then((types) => {
          const byType: Catalog = Object.fromEntries(types.map((type) => [type.type, type]));
          editorStore.getState().setCatalog(byType);
          setCatalog({ ready: true });
        })
        .catch((error) => setCatalog({ ready: false, error: describeError(error) }));
    void load();
    // Refused before the sign-in (a server with a token): loaded again once signed in.
    window.addEventListener(signedInEvent, load);
    return () => window.removeEventListener(signedInEvent, load);
  }, []);

  let page: React.ReactNode;
  if (catalog.error && editor) {
    page = (
      <div className="page-message">
        <h2>The server did not answer</h2>
        <p>{catalog.error.message}</p>
        <button type="button" className="button" onClick={() => navigate('/')}>
          Back to the flows
        </button>
      </div>
    );
  } else if (editor) {
    page = catalog.ready ? (
      <EditorPage flowId={decodeURIComponent(editor[1]!)} />
    ) : (
      <div className="page-message muted">Loading…</div>
    );
  } else if (path === '/runs') {
    page = <RunsPage />;
  } else {
    page = <FlowsPage />;
  }
  return (
    <>
      {page}
      <Toasts />
    </>
  );
}
