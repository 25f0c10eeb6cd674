/** hubspot.source and hubspot.destination through the conformance suite, against the HubSpot sandbox. */
import { hubspotDestination } from '../../server/src/connectors/hubspot/destination.ts';
import { hubspotSource } from '../../server/src/connectors/hubspot/source.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { recordItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import { createRecords, portalRecords, sandbox, token } from './hubspot-support.ts';

const wrongToken = 'pat-wrong-token-0451';
const contactFields = ['email', 'firstname', 'lastname', 'city'];
const companyFields = ['name', 'domain'];

/** Contacts with the nasty cases: quotes, newlines, unicode, emoji, a comma. */
const people = (count: number, from = 0): Rec[] =>
  Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      email: `conformance-${i}@example.com`,
      firstname: [`Zoë ${i}`, `"Quoted", ${i}`, `two\nlines ${i}`, `名前 ${i} 🙂`][i % 4]!,
      lastname: `Last ${i}`,
      city: `City, ${i % 5}`,
    };
  });

describeConformance({
  name: 'hubspot',
  source: {
    type: hubspotSource,
    async setUp() {
      const portal = await sandbox();
      await createRecords(portal, 'contacts', people(30));
      await createRecords(
        portal,
        'companies',
        Array.from({ length: 9 }, (_, i) => ({ name: `Company ${i} «ü»`, domain: `company-${i}.example` })),
      );
      const expected = [
        ...(await portalRecords(portal, 'contacts', contactFields)).map((found) => ({
          ...found,
          fields: contactFields,
        })),
        ...(await portalRecords(portal, 'companies', companyFields)).map((found) => ({
          ...found,
          fields: companyFields,
        })),
      ].map((found) =>
        recordItem({
          id: found.id,
          ...Object.fromEntries(found.fields.map((name) => [name, found.properties[name] ?? null])),
          createdAt: found.createdAt,
          updatedAt: found.updatedAt,
          archived: false,
        }),
      );
      return {
        config: {
          baseUrl: portal.url,
          token,
          objects: ['contacts', 'companies'],
          properties: { contacts: contactFields, companies: companyFields },
        },
        expected,
      };
    },
    async refused() {
      const portal = await sandbox();
      return { baseUrl: portal.url, token: wrongToken, objects: ['contacts'] };
    },
  },
  destination: {
    type: hubspotDestination,
    async setUp() {
      const portal = await sandbox();
      return {
        config: { baseUrl: portal.url, token, object: 'contacts', mode: 'upsert' as const, idProperty: 'email' },
        payloads: [0, 1, 2, 3, 4].map((batch) => ({
          kind: 'records' as const,
          stream: 'people',
          records: people(6, batch * 6),
        })),
        async readBack() {
          return (await portalRecords(portal, 'contacts', contactFields)).map((found) =>
            recordItem(Object.fromEntries(contactFields.map((name) => [name, found.properties[name] ?? null]))),
          );
        },
      };
    },
    async refused() {
      const portal = await sandbox();
      return {
        baseUrl: portal.url,
        token: wrongToken,
        object: 'contacts',
        mode: 'upsert' as const,
        idProperty: 'email',
      };
    },
    async refusable() {
      const portal = await sandbox();
      return {
        config: { baseUrl: portal.url, token, object: 'contacts', mode: 'upsert' as const, idProperty: 'email' },
        payload: {
          kind: 'records',
          stream: 'people',
          records: [
            ...people(3),
            { email: 'not-an-email', firstname: 'Bad email' },
            { email: 'optout@example.com', hs_email_optout: 'maybe' },
            { email: 'unknown@example.com', favourite_colour: 'green' },
          ],
        },
        refused: 3,
      };
    },
  },
  secrets: [token, wrongToken],
});
