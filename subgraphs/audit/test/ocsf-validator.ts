/**
 * Validates OCSF events against the vendored OCSF 1.x class JSON schemas (draft-07, fixtures/ocsf)
 * with Ajv, plus the rules JSON Schema cannot express: type_uid = class_uid * 100 + activity_id.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const FILES: Record<number, string> = { 3001: 'account_change', 3002: 'authentication', 3004: 'entity_management', 6003: 'api_activity' };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map<number, ValidateFunction>();
for (const [uid, name] of Object.entries(FILES)) {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'ocsf', `${name}.json`), 'utf8'));
  validators.set(Number(uid), ajv.compile(schema));
}

/** Returns the list of problems (empty when the event is a valid OCSF event of its class). */
export function ocsfProblems(event: unknown): string[] {
  const e = event as { class_uid?: number; activity_id?: number; type_uid?: number };
  const validate = validators.get(e?.class_uid ?? -1);
  if (!validate) return [`no vendored schema for class_uid ${String(e?.class_uid)}`];
  const problems: string[] = [];
  if (!validate(event)) problems.push(...(validate.errors ?? []).map((x) => `${x.instancePath || '/'} ${x.message ?? ''} ${JSON.stringify(x.params)}`));
  if (e.type_uid !== (e.class_uid ?? 0) * 100 + (e.activity_id ?? 0)) problems.push(`type_uid ${e.type_uid} != class_uid*100 + activity_id`);
  return problems;
}
