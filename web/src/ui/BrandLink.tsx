import { navigate } from '../app/router.ts';

/** The logo in a page's top bar: the way back to the flows list (through the leave guard, like any link). */
export function BrandLink() {
  return (
    <a
      className="brand"
      href="/"
      onClick={(event) => {
        event.preventDefault();
        navigate('/');
      }}
    >
      <span className="brand-mark" aria-hidden="true" />
      Backflow
    </a>
  );
}
