import { getWidget, type WidgetProps } from '@rjsf/utils';
import { useState } from 'react';
import { recordsWord } from '../editor/write-modes.ts';
import { Modal } from '../ui/Modal.tsx';

/**
 * A mirror's `mirrorScope` (node-kit's mirrorScopeProperty): the form's usual select, except that
 * picking `all` first asks. With `all` a mirror deletes every record of the destination whose key
 * the source lacks, including ones the flow never wrote, so the choice is confirmed in words; Cancel
 * leaves (or sets) `flow`, which deletes only what this flow synced.
 */
export function MirrorScopeWidget(props: WidgetProps) {
  const { onChange, registry, schema } = props;
  const [asking, setAsking] = useState(false);
  const SelectWidget = getWidget(schema, 'select', registry.widgets);
  const records = recordsWord(schema.description);
  const cancel = () => {
    setAsking(false);
    onChange('flow');
  };
  return (
    <>
      <SelectWidget
        {...props}
        onChange={(value: unknown) => {
          if (value === 'all' && props.value !== 'all') setAsking(true);
          else onChange(value);
        }}
      />
      {asking && (
        <Modal
          title={`Delete ${records} this flow never wrote?`}
          onClose={cancel}
          testId="mirror-scope-dialog"
          footer={
            <>
              <button type="button" className="button ghost" onClick={cancel} data-testid="mirror-scope-cancel">
                Cancel
              </button>
              <button
                type="button"
                className="button danger"
                data-testid="mirror-scope-confirm"
                onClick={() => {
                  setAsking(false);
                  onChange('all');
                }}
              >
                Delete them too
              </button>
            </>
          }
        >
          <p>
            With mirror deletes set to <strong>all</strong>, each run deletes <strong>every</strong> one of the
            destination’s {records} whose key the source does not have, including {records} that were there before this
            flow existed and ones other tools or people wrote. They cannot be brought back by this flow.
          </p>
          <p>
            With <strong>flow</strong> (the default), a mirror deletes only {records} this flow synced before and the
            source no longer has. Cancel keeps <strong>flow</strong>.
          </p>
        </Modal>
      )}
    </>
  );
}
