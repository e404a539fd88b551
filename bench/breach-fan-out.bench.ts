// A breach to 10,000 tenants: the real breach, fan-out and notice orchestrators on the local host's
// engine, the delivery activity a double that sends each notice through the real Communication
// Services client to the email stand-in (which has no sending limit, so the orchestration's own
// throughput is what is measured; the app's quota planning is not in play). The baseline sends the
// same 10,000 notices from a plain loop with the same parallelism the host gives activities (10).
// Reported: notices per second of the orchestrated run as a fraction of the loop's, the largest
// history of any instance (must stay under 1,000 events), and that each contact got one notice.
import { workflowHost } from '../test/support/workflow-host.js';
import { EmailClient } from '@azure/communication-email';
import { startEmail } from '../dev/standins/email.js';
import { tenantIdFor } from '../test/support/tenant-ids.js';
import type { BenchResult } from './run.js';

const TENANTS = 10_000;
const PARALLEL = 10;
const START = new Date('2026-03-02T09:00:00Z');
const NOTIFY_BY = new Date(START.getTime() + 72 * 3600_000);
const BREACH = 'b-0123456789abcdef0123';

const contactOf = (tenantId: string, run: string): string => `privacy+${run}@${tenantId}.example`;

export async function run(): Promise<BenchResult> {
  const email = await startEmail();
  const client = new EmailClient(email.connectionString, { allowInsecureConnection: true, retryOptions: { maxRetries: 0 } });
  const send = async (to: string): Promise<void> => {
    const poller = await client.beginSend(
      {
        senderAddress: 'DoNotReply@notifications.local',
        content: { subject: 'Personal data breach notice', plainText: 'A breach affects your data.' },
        recipients: { to: [{ address: to }] },
      },
      { updateIntervalInMs: 5 },
    );
    await poller.pollUntilDone();
  };
  const tenants = Array.from({ length: TENANTS }, (_, i) => tenantIdFor(i));
  try {
    // Baseline: the same notices from a plain loop, PARALLEL at a time.
    const loopStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < tenants.length) await send(contactOf(tenants[next++]!, 'loop'));
      }),
    );
    const loopSeconds = (performance.now() - loopStart) / 1000;

    const host = await workflowHost(
      {
        breachLoadPlan: () => ({ awareAt: START.toISOString(), openedAt: START.toISOString(), notifyBy: NOTIFY_BY.toISOString(), released: true }),
        breachResolveTenants: () => tenants,
        breachNoticesDue: (input: { after: number }) => ({ seqs: input.after < 0 ? [0] : [], nextUpdate: 1, added: [] }),
        breachDeliverNotice: async (input: { tenantId: string }) => {
          await send(contactOf(input.tenantId, 'breach'));
          return 'sent';
        },
        breachNoticeUnacknowledged: () => 'alerted',
      },
      START,
    );
    const flowStart = performance.now();
    await host.start('breachNotification', { breachId: BREACH }, `breach-${BREACH}`);
    await host.settle();
    const flowSeconds = (performance.now() - flowStart) / 1000;

    const perContact = new Map<string, number>();
    for (const sent of email.outbox()) for (const to of sent.to) if (to.startsWith('privacy+breach@')) perContact.set(to, (perContact.get(to) ?? 0) + 1);
    const notifiedOnce = tenants.filter((t) => perContact.get(contactOf(t, 'breach')) === 1).length;
    const sizes = [...host.historySizes().values()];
    const largest = Math.max(...sizes);
    if (notifiedOnce !== TENANTS) throw new Error(`${TENANTS - notifiedOnce} contacts were not notified exactly once`);
    if (largest >= 1_000) throw new Error(`largest history ${largest} events (must stay under 1,000)`);
    return {
      tenants: TENANTS,
      'loop notices per second': TENANTS / loopSeconds,
      'orchestrated notices per second': TENANTS / flowSeconds,
      'orchestrated / loop (notices per second)': loopSeconds / flowSeconds,
      'largest history (events, must be < 1,000)': largest,
      'orchestration instances': sizes.length,
      'contacts notified exactly once': notifiedOnce,
    };
  } finally {
    await email.close();
  }
}
