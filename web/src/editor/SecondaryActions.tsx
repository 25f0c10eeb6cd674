import { useNarrowScreen } from '../ui/narrow.ts';
import { usePopover } from '../ui/popover.ts';

export interface SecondaryAction {
  label: string;
  /** The label inside the menu, when the button's is a symbol. */
  menuLabel?: string;
  title?: string;
  testId?: string;
  disabled?: boolean;
  onClick(): void;
}

/** The top bar's less used actions: buttons on a wide screen, a "More" menu on a narrow one, so Save and Run stay in view. */
export function SecondaryActions({ actions }: { actions: SecondaryAction[] }) {
  const narrow = useNarrowScreen();
  const { ref, open, setOpen } = usePopover<HTMLDivElement>();
  if (!narrow) {
    return actions.map((action) => (
      <button
        key={action.label}
        type="button"
        className="button ghost"
        title={action.title}
        disabled={action.disabled}
        data-testid={action.testId}
        onClick={action.onClick}
      >
        {action.label}
      </button>
    ));
  }
  return (
    <div className="more-menu" ref={ref}>
      <button
        type="button"
        className="button ghost"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="more-actions"
        onClick={() => setOpen(!open)}
      >
        More ▾
      </button>
      {open && (
        <div className="more-menu-items" role="menu">
          {actions.map((action) => (
            <button
              key={action.label}
              type="button"
              role="menuitem"
              title={action.title}
              disabled={action.disabled}
              data-testid={action.testId}
              onClick={() => {
                setOpen(false);
                action.onClick();
              }}
            >
              {action.menuLabel ?? action.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
