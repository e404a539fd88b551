// The email service's "slow down", shared by every instance of the app. The sending quota belongs to
// the subscription (both regions' Communication Services resources draw on it), so a 429 seen by one
// instance holds back every instance, and a restarted one too: the instant sends may resume is kept
// in the control container (UK South; no personal data), and the send path checks it before calling
// the service. A later instant always wins; an earlier one never shortens a back-off.
import type { Container } from '@azure/cosmos';
import { azureStatusOf } from '../azure/rest-error.js';

export interface SendBackoff {
  /** Until when sends must wait; undefined when they need not. */
  until(): Promise<Date | undefined>;
  /** Records that sends must wait until `instant` (kept only if later than what is recorded). */
  holdUntil(instant: Date): Promise<void>;
}

const DOC_ID = 'email-send-backoff';

interface BackoffDoc {
  id: string;
  pk: string;
  type: 'emailSendBackoff';
  until: string;
  _etag?: string;
}

export class CosmosSendBackoff implements SendBackoff {
  constructor(private readonly container: () => Promise<Container>) {}

  async until(): Promise<Date | undefined> {
    const doc = await this.#read(await this.container());
    return doc ? new Date(doc.until) : undefined;
  }

  async holdUntil(instant: Date): Promise<void> {
    const container = await this.container();
    // Read-modify-write with the ETag: two instances throttled at once keep the later instant.
    for (let attempt = 0; attempt < 8; attempt++) {
      const current = await this.#read(container);
      if (current && Date.parse(current.until) >= instant.getTime()) return;
      const doc: BackoffDoc = { id: DOC_ID, pk: DOC_ID, type: 'emailSendBackoff', until: instant.toISOString() };
      try {
        if (current) await container.item(DOC_ID, DOC_ID).replace(doc, { accessCondition: { type: 'IfMatch', condition: current._etag! } });
        else await container.items.create(doc);
        return;
      } catch (error) {
        const status = azureStatusOf(error);
        if (status !== 412 && status !== 409) throw error;
      }
    }
    throw new Error('the email back-off could not be recorded: too many concurrent writers');
  }

  async #read(container: Container): Promise<BackoffDoc | undefined> {
    try {
      const { resource } = await container.item(DOC_ID, DOC_ID).read<BackoffDoc>();
      return resource ?? undefined;
    } catch (error) {
      if (azureStatusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
