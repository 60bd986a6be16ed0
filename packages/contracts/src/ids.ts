import { z } from 'zod';

export const TenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 characters of lowercase letters, digits and dashes');
// Ids that come from the billing system: opaque, but bounded and printable so they fit keys and job ids.
export const ExternalId = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export type TenantId = z.infer<typeof TenantId>;
export type ExternalId = z.infer<typeof ExternalId>;
