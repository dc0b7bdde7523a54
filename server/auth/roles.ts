export const ROLES = ['read-only', 'read-write', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { 'read-only': 0, 'read-write': 1, admin: 2 };

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Unknown role strings in a token degrade to read-only, as upstream. */
export function toRole(value: unknown): Role {
  return isRole(value) ? value : 'read-only';
}

/** The single rule for access: a role may do what its rank or a lower rank may do. */
export function hasRole(actual: Role, required: Role): boolean {
  return RANK[actual] >= RANK[required];
}

export interface AuthUser {
  id: string;
  username: string;
  role: Role;
}
