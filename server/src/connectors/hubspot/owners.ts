/**
 * The account's owners (`GET /crm/v3/owners`, 500 a page), read once per run: records name an owner
 * by `hubspot_owner_id`, people know owners by email, so the source adds the email and the
 * destination turns an email back into the id. Only active owners are listed (HubSpot's default).
 */
import type { HttpApi } from '../../node-kit/http/index.ts';

interface Owner {
  id: string;
  email?: string | null;
}

interface OwnersPage {
  results: Owner[];
  paging?: { next?: { after?: string } };
}

/** Owner id → email, every owner of the account. */
export async function ownerEmails(api: HttpApi): Promise<Map<string, string>> {
  const emails = new Map<string, string>();
  let after: string | undefined;
  do {
    const page = await api.request<OwnersPage>({ path: '/crm/v3/owners', query: { limit: 500, after } });
    for (const owner of page.results) if (owner.email) emails.set(String(owner.id), owner.email);
    after = page.paging?.next?.after;
  } while (after);
  return emails;
}

/** Email (lower case) → owner id. */
export async function ownerIdsByEmail(api: HttpApi): Promise<Map<string, string>> {
  return new Map([...(await ownerEmails(api))].map(([id, email]) => [email.toLowerCase(), id]));
}
