/**
 * Validates OCSF events against the vendored OCSF 1.x class JSON schemas (draft-07, fixtures/ocsf)
 * with Ajv, plus the rules JSON Schema cannot express: type_uid = class_uid * 100 + activity_id, and
 * class_name / activity_name / type_name are the published captions of the ids (fixtures/ocsf/activities.json),
 * so a SIEM rule written against OCSF ("Account Change: Disable") matches what we store.
 */
import fs from 'node:fs';
import path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

const FILES: Record<number, string> = { 3001: 'account_change', 3002: 'authentication', 3004: 'entity_management', 6003: 'api_activity' };

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map<number, ValidateFunction>();
interface Captions { class_name: string; activities: Record<string, string> }
const CAPTIONS = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'ocsf', 'activities.json'), 'utf8')) as Record<string, Captions>;

for (const [uid, name] of Object.entries(FILES)) {
  const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'ocsf', `${name}.json`), 'utf8'));
  validators.set(Number(uid), ajv.compile(schema));
}

/** Returns the list of problems (empty when the event is a valid OCSF event of its class). */
export function ocsfProblems(event: unknown): string[] {
  const e = event as { class_uid?: number; activity_id?: number; type_uid?: number; class_name?: string; activity_name?: string; type_name?: string };
  const validate = validators.get(e?.class_uid ?? -1);
  if (!validate) return [`no vendored schema for class_uid ${String(e?.class_uid)}`];
  const problems: string[] = [];
  if (!validate(event)) problems.push(...(validate.errors ?? []).map((x) => `${x.instancePath || '/'} ${x.message ?? ''} ${JSON.stringify(x.params)}`));
  if (e.type_uid !== (e.class_uid ?? 0) * 100 + (e.activity_id ?? 0)) problems.push(`type_uid ${e.type_uid} != class_uid*100 + activity_id`);
  const captions = CAPTIONS[String(e.class_uid)];
  const activity = captions?.activities[String(e.activity_id)];
  if (!captions || !activity) problems.push(`no OCSF caption for class ${String(e.class_uid)} activity ${String(e.activity_id)}`);
  else {
    if (e.class_name !== captions.class_name) problems.push(`class_name ${JSON.stringify(e.class_name)} != ${JSON.stringify(captions.class_name)}`);
    if (e.activity_name !== activity) problems.push(`activity_name ${JSON.stringify(e.activity_name)} != ${JSON.stringify(activity)}`);
    if (e.type_name !== undefined && e.type_name !== `${captions.class_name}: ${activity}`) problems.push(`type_name ${JSON.stringify(e.type_name)} != "${captions.class_name}: ${activity}"`);
  }
  return problems;
}
