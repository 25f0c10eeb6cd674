import { HubspotError, invalidInput } from './errors.ts';
import { queryInteger, type Route, sendJson } from './http.ts';
import type { CrmStore, Owner } from './store.ts';

const ownerJson = (owner: Owner) => ({ ...owner, type: 'PERSON', userIdIncludingInactive: owner.userId, teams: [] });

/** `GET /crm/v3/owners` (paged by `after`, filtered by `email`) and `GET /crm/v3/owners/{ownerId}` (or by `userId` with `idProperty=userId`). */
export function ownerRoutes(store: CrmStore): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/crm\/v3\/owners\/?$/,
      async handle({ res, url }) {
        const limit = queryInteger(url, 'limit', 100);
        if (limit < 1 || limit > 500) throw invalidInput(`limit must be between 1 and 500, got ${limit}.`);
        const after = queryInteger(url, 'after', 0);
        const email = url.searchParams.get('email')?.toLowerCase();
        const archived = url.searchParams.get('archived') === 'true';
        const owners = [...store.owners()]
          .filter((owner) => owner.archived === archived && (!email || owner.email.toLowerCase() === email))
          .sort((a, b) => Number(a.id) - Number(b.id))
          .filter((owner) => Number(owner.id) >= after);
        const next = owners[limit];
        sendJson(res, 200, {
          results: owners.slice(0, limit).map(ownerJson),
          ...(next ? { paging: { next: { after: next.id } } } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v3\/owners\/([^/]+)$/,
      async handle({ res, url, params }) {
        const id = params[0] as string;
        const owner =
          url.searchParams.get('idProperty') === 'userId'
            ? [...store.owners()].find((candidate) => String(candidate.userId) === id)
            : store.getOwner(id);
        if (!owner) throw new HubspotError(404, 'OBJECT_NOT_FOUND', `Owner ${params[0]} not found`);
        sendJson(res, 200, ownerJson(owner));
      },
    },
  ];
}
