/**
 * OCSF 1.x vocabulary used by Imagy's audit trail: the classes we emit, their activity ids and
 * captions, and the base enums (severity, status). Values follow the OCSF 1.8.0 schema
 * (ocsf/ocsf-schema events/iam/*.json, events/application/api_activity.json).
 */
export const OCSF_VERSION = '1.8.0';

export const CATEGORY = {
  iam: { uid: 3, name: 'Identity & Access Management' },
  application: { uid: 6, name: 'Application Activity' },
} as const;

export const CLASS = {
  accountChange: 3001,
  authentication: 3002,
  entityManagement: 3004,
  apiActivity: 6003,
} as const;
export type ClassUid = (typeof CLASS)[keyof typeof CLASS];

export const OTHER = 99;
export const UNKNOWN = 0;

interface ClassInfo { name: string; category: { uid: number; name: string }; activities: Record<number, string> }

export const CLASSES: Record<ClassUid, ClassInfo> = {
  3001: {
    name: 'Account Change',
    category: CATEGORY.iam,
    activities: { 0: 'Unknown', 1: 'Create', 2: 'Enable', 3: 'Password Change', 4: 'Password Reset', 5: 'Disable', 6: 'Delete', 7: 'Attach Policy', 8: 'Detach Policy', 9: 'Lock', 10: 'MFA Factor Enable', 11: 'MFA Factor Disable', 99: 'Other' },
  },
  3002: {
    name: 'Authentication',
    category: CATEGORY.iam,
    activities: { 0: 'Unknown', 1: 'Logon', 2: 'Logoff', 3: 'Authentication Ticket', 4: 'Service Ticket Request', 5: 'Service Ticket Renew', 6: 'Preauth', 99: 'Other' },
  },
  3004: {
    name: 'Entity Management',
    category: CATEGORY.iam,
    activities: { 0: 'Unknown', 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' },
  },
  6003: {
    name: 'API Activity',
    category: CATEGORY.application,
    activities: { 0: 'Unknown', 1: 'Create', 2: 'Read', 3: 'Update', 4: 'Delete', 99: 'Other' },
  },
};

/** Account Change (3001) activity ids. */
export const ACCOUNT = { create: 1, enable: 2, passwordChange: 3, passwordReset: 4, disable: 5, delete: 6, lock: 9 } as const;
/** Authentication (3002) activity ids. */
export const AUTH = { logon: 1, logoff: 2 } as const;
/** CRUD activity ids shared by Entity Management (3004) and API Activity (6003). */
export const CRUD = { create: 1, read: 2, update: 3, delete: 4, other: 99 } as const;

export const SEVERITY: Record<number, string> = { 0: 'Unknown', 1: 'Informational', 2: 'Low', 3: 'Medium', 4: 'High', 5: 'Critical', 6: 'Fatal', 99: 'Other' };
export const SEVERITY_ID = { unknown: 0, informational: 1, low: 2, medium: 3, high: 4, critical: 5, fatal: 6, other: 99 } as const;

export const STATUS: Record<number, string> = { 0: 'Unknown', 1: 'Success', 2: 'Failure', 99: 'Other' };
export const STATUS_ID = { unknown: 0, success: 1, failure: 2, other: 99 } as const;

export function isClassUid(n: number): n is ClassUid {
  return n in CLASSES;
}

export function className(classUid: number): string {
  return isClassUid(classUid) ? CLASSES[classUid].name : 'Unknown';
}

export function activityName(classUid: number, activityId: number): string {
  if (!isClassUid(classUid)) return activityId === OTHER ? 'Other' : 'Unknown';
  return CLASSES[classUid].activities[activityId] ?? (activityId === OTHER ? 'Other' : 'Unknown');
}

export const typeUidOf = (classUid: number, activityId: number) => classUid * 100 + activityId;
export const typeName = (classUid: number, activityId: number) => `${className(classUid)}: ${activityName(classUid, activityId)}`;
