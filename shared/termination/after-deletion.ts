// After primary deletion and key destruction: the termination waits for the key purge and for the
// encrypted backups to expire (each recorded on the termination record), and completes once the
// final certificate is sent, when the one retained copy of the contacts is dropped.
import type { Services } from '../composition.js';
import { forgetCertificateRecipients } from './certificate-recipients.js';
import { changeTermination, inPhase, type TerminationRef } from './termination-store.js';

export async function awaitKeyPurge(services: Services, ref: TerminationRef): Promise<void> {
  await changeTermination(services, ref, (t) => inPhase(t, 'awaiting-key-purge'));
}

export async function markBackupsExpired(services: Services, ref: TerminationRef): Promise<void> {
  await changeTermination(services, ref, (t) => (t.backups && t.backups.status !== 'expired' ? { ...t, backups: { ...t.backups, status: 'expired' } } : t));
}

export async function completeTermination(services: Services, ref: TerminationRef): Promise<void> {
  await forgetCertificateRecipients(services, ref);
  await changeTermination(services, ref, (t) => inPhase(t, 'completed'));
}
