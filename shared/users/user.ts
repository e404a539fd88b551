// A user of the customer's organisation: a data subject whose identification data (name, email,
// role, department, avatar) is encrypted under the user's own key. Rectifications keep the
// original and the correction side by side; erasure leaves a tombstone with no personal data.
import { z } from 'zod';
import type { EncryptedValue } from '../crypto/field-cipher.js';
import type { StoredDoc } from '../store/tenant-partition.js';
import { displayName, plainText } from '../http/text.js';

export const USER_STATUSES = ['active', 'deactivated', 'erased'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const profileFields = {
  name: displayName(200),
  email: z.email({ message: 'must be an email address' }).max(320),
  role: plainText(100).optional(),
  department: plainText(200).optional(),
  avatarUrl: z.url({ protocol: /^https$/, message: 'must be an https URL' }).max(2048).optional(),
};

export const createUserSchema = z.strictObject(profileFields);
export type UserProfile = z.infer<typeof createUserSchema>;

export const PROFILE_FIELDS = ['name', 'email', 'role', 'department', 'avatarUrl'] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export const rectifyUserSchema = z
  .strictObject({
    name: profileFields.name.optional(),
    email: profileFields.email.optional(),
    role: profileFields.role.nullable(),
    department: profileFields.department.nullable(),
    avatarUrl: profileFields.avatarUrl.nullable(),
    reason: plainText(1000, { multiline: true, required: 'say why the data is being corrected' }),
  })
  .refine((r) => PROFILE_FIELDS.some((f) => r[f] !== undefined), { message: 'change at least one field', path: ['name'] });
export type RectifyUserRequest = z.infer<typeof rectifyUserSchema>;

export const eraseUserQuerySchema = z.strictObject({ reason: plainText(1000).optional() });

export type FieldChanges = Partial<Record<ProfileField, { from: string | null; to: string | null }>>;

export interface Rectification {
  at: string;
  by: string;
  /** `{ reason, changes }`, encrypted under the user's key. */
  sealed: EncryptedValue;
}

export interface UserDoc extends StoredDoc {
  type: 'user';
  userId: string;
  status: UserStatus;
  version: number;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** Keyed hash of the normalised email, for uniqueness and lookups without storing the email. */
  emailIndex?: string;
  profile?: EncryptedValue;
  rectifications?: Rectification[];
  deactivatedAt?: string;
  erasedAt?: string;
  erasedBy?: string;
}

export interface UserEmailClaimDoc extends StoredDoc {
  type: 'userEmailClaim';
  userId: string;
}

export const userDocId = (userId: string): string => `user:${userId}`;
export const emailClaimDocId = (emailIndex: string): string => `user-email:${emailIndex}`;
export const profileAad = (userId: string): string => `user:${userId}|profile`;
export const rectificationAad = (userId: string, at: string): string => `user:${userId}|rectification|${at}`;
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();

const fieldChangeSchema = z.object({ from: z.string().nullable(), to: z.string().nullable() });
export const userViewSchema = z
  .object({
    userId: z.string(),
    status: z.enum(USER_STATUSES),
    name: z.string().optional(),
    email: z.string().optional(),
    role: z.string().optional(),
    department: z.string().optional(),
    avatarUrl: z.string().optional(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    deactivatedAt: z.iso.datetime().optional(),
    erasedAt: z.iso.datetime().optional(),
    rectifications: z
      .array(
        z.object({ at: z.iso.datetime(), by: z.string(), reason: z.string(), changes: z.partialRecord(z.enum(PROFILE_FIELDS), fieldChangeSchema) }),
      )
      .optional(),
    restricted: z
      .object({ since: z.iso.datetime(), dsarId: z.string() })
      .optional()
      .meta({ description: "Its data subject's processing is restricted (Art 18): shown to the controller's admins only" }),
  })
  .meta({ id: 'User', description: 'A user; after erasure only the tombstone (no personal data)' });
export type UserView = z.infer<typeof userViewSchema>;
