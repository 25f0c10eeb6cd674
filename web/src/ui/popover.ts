import { type RefObject, useEffect, useRef, useState } from 'react';

/** An open/closed popover that closes on a click outside the element `ref` is put on. */
export function usePopover<T extends HTMLElement>(): {
  ref: RefObject<T | null>;
  open: boolean;
  setOpen(open: boolean): void;
} {
  const ref = useRef<T>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (!ref.current?.contains(event.target as Node)) setOpen(false);
    };
    window.addEventListener('mousedown', close);
    return () => window.removeEventListener('mousedown', close);
  }, [open]);
  return { ref, open, setOpen };
}
