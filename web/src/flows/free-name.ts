/** A name no saved flow uses: `name`, else `name-2`, `name-3`… */
export function freeName(name: string, flows: readonly { name: string }[]): string {
  const taken = new Set(flows.map((flow) => flow.name));
  if (!taken.has(name)) return name;
  for (let i = 2; ; i++) if (!taken.has(`${name}-${i}`)) return `${name}-${i}`;
}
