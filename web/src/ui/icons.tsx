/** Small inline icons; no icon font to load. */

const paths: Record<string, string> = {
  source:
    'M4 4.5C4 3.1 6.7 2 10 2s6 1.1 6 2.5v11c0 1.4-2.7 2.5-6 2.5s-6-1.1-6-2.5v-11zm0 0c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5M4 10c0 1.4 2.7 2.5 6 2.5s6-1.1 6-2.5',
  transform: 'M3 6h9m0 0l-3-3m3 3l-3 3M17 14H8m0 0l3-3m-3 3l3 3',
  destination: 'M10 3v9m0 0l-3.5-3.5M10 12l3.5-3.5M3.5 13v2.5A1.5 1.5 0 005 17h10a1.5 1.5 0 001.5-1.5V13',
  unknown: 'M10 14v.01M7.5 7.5a2.5 2.5 0 113.5 2.3c-.6.3-1 .9-1 1.6',
};

export function RoleIcon({ role }: { role: string }) {
  return (
    <span className={`role-icon role-icon-${role}`} aria-hidden="true">
      <svg
        aria-hidden="true"
        viewBox="0 0 20 20"
        width="16"
        height="16"
        fill="none"
        stroke="currentColor"
        strokeWidth="1.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      >
        <path d={paths[role] ?? paths.unknown} />
      </svg>
    </span>
  );
}
