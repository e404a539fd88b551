// Sending one notice to each of several contacts: one message each, at most once per contact
// (the caller's key names the notice and the contact). A transient failure throws, so the Durable
// activity retries and the messages already sent are not sent again; an address the service
// refuses must not keep the notice from the others, so it is counted instead.
import type { Region } from '../config.js';
import type { EmailAttachment, EmailSender } from './email-sender.js';
import { EmailDeliveryError } from './errors.js';
import type { RenderedEmail } from './render.js';

export interface Recipient {
  name?: string;
  email: string;
}

export async function sendToEach(
  sender: EmailSender,
  message: {
    region: Region;
    recipients: readonly Recipient[];
    rendered: RenderedEmail;
    attachments?: readonly EmailAttachment[];
    idempotencyKeyFor: (recipient: Recipient) => string | Promise<string>;
  },
): Promise<{ sent: number; refused: number }> {
  let refused = 0;
  for (const recipient of message.recipients) {
    try {
      await sender.send({
        region: message.region,
        to: [{ ...(recipient.name ? { name: recipient.name } : {}), email: recipient.email }],
        ...message.rendered,
        ...(message.attachments ? { attachments: message.attachments } : {}),
        idempotencyKey: await message.idempotencyKeyFor(recipient),
      });
    } catch (error) {
      if (!(error instanceof EmailDeliveryError) || error.retryable) throw error;
      refused++;
    }
  }
  return { sent: message.recipients.length - refused, refused };
}

