/**
 * Record owners by email: the active Users of the org whose Email is one a batch names, asked once
 * per email and run (`SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (...)`). Emails
 * compare case-insensitively, as Salesforce compares them; an email no active User has stays
 * unanswered, and of two Users with one email the first found owns.
 */
import { queryIn } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';

export interface OwnerDirectory {
  /** Per email of `emails` an active User has (lowercased), that User's Id. */
  ownersOf(emails: readonly string[]): Promise<Map<string, string>>;
}

export function ownerDirectory(session: SalesforceSession): OwnerDirectory {
  /** Email (lowercased) → User Id, or null for an email no active User has. */
  const known = new Map<string, string | null>();
  return {
    async ownersOf(emails) {
      const wanted = [...new Set(emails.map((email) => email.toLowerCase()))];
      const asking = wanted.filter((email) => !known.has(email));
      for await (const users of queryIn(session, {
        fields: ['Id', 'Email'],
        object: 'User',
        field: 'Email',
        values: asking,
        also: 'IsActive = true',
      })) {
        for (const user of users) {
          const email = String(user.Email).toLowerCase();
          if (!known.get(email)) known.set(email, String(user.Id));
        }
      }
      for (const email of asking) if (!known.has(email)) known.set(email, null);
      const owners = new Map<string, string>();
      for (const email of wanted) {
        const id = known.get(email);
        if (id) owners.set(email, id);
      }
      return owners;
    },
  };
}
