import { create } from 'zustand';

/** Which panels and dialogs of the editor are open: view state, not part of the flow or its history. */
export interface EditorUi {
  help: boolean;
  /** The version history dialog. */
  versions: boolean;
  /** The connector whose connections the manager opens on; undefined when closed. */
  connections: string | undefined;
  /** The node being previewed. */
  preview: string | undefined;
  runPanel: boolean;
  runTab: 'overview' | 'logs' | 'rejected' | 'history';
  /** Where the person asked to go while the flow has unsaved changes: the dialog asks what to do. */
  leaving: string | undefined;
}

export const useEditorUi = create<EditorUi>()(() => ({
  help: false,
  versions: false,
  connections: undefined,
  preview: undefined,
  runPanel: false,
  runTab: 'overview',
  leaving: undefined,
}));
