/** webhook.destination through the conformance suite, against the webhook sandbox. */
import { webhookDestination } from '../../server/src/connectors/webhook/destination.ts';
import { recordItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import { hooksSandbox, people, receivedRecords, signingSecret } from './webhook-support.ts';

const wrongSecret = 'whsec-wrong-77aa01';
const headerSecret = 'team-header-value-5521';

describeConformance({
  name: 'webhook',
  destination: {
    type: webhookDestination,
    async setUp() {
      const hooks = await hooksSandbox({ secret: signingSecret });
      return {
        config: {
          url: `${hooks.url}/hooks/people`,
          secret: signingSecret,
          headers: { 'X-Team': headerSecret },
          batchSize: 4,
        },
        payloads: [0, 1, 2, 3, 4].map((batch) => ({
          kind: 'records' as const,
          stream: 'people',
          records: people(6, batch * 6),
        })),
        readBack: async () => receivedRecords(hooks).map(recordItem),
      };
    },
    async refused() {
      const hooks = await hooksSandbox({ secret: signingSecret });
      return { url: `${hooks.url}/hooks/people`, secret: wrongSecret, headers: { 'X-Team': headerSecret } };
    },
    async refusable() {
      const hooks = await hooksSandbox({ maxBodyBytes: 1000 });
      return {
        config: { url: hooks.url, batchSize: 1 },
        payload: {
          kind: 'records',
          stream: 'people',
          records: [...people(3), { id: 98, note: 'x'.repeat(2000) }, { id: 99, note: 'ü'.repeat(1000) }],
        },
        refused: 2,
      };
    },
  },
  secrets: [signingSecret, wrongSecret, headerSecret],
});
