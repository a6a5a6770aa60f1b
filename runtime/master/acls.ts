// Authorization with Mesos's ACLs (`--acls=FILE`, the JSON of Mesos's acls.proto): for each action a
// list of rules, each naming subjects (principals) and objects (roles, users, framework principals)
// as `{"values": [...]}`, `{"type": "ANY"}` or `{"type": "NONE"}`. As Mesos's local authorizer does,
// the first rule whose subjects and objects match the request decides; when none matches,
// `permissive` (default true) does. An anonymous caller is the subject ANY.
import { readFileSync } from 'node:fs';

/** An entity of a rule or a request: some values, anyone, or no one. */
export type Entity =
  | { readonly type: 'SOME'; readonly values: readonly string[] }
  | { readonly type: 'ANY' }
  | { readonly type: 'NONE' };

/** The actions of Mesos's ACLs, each with the name of its object field. */
export const acl_actions = {
  register_frameworks: 'roles',
  run_tasks: 'users',
  teardown_frameworks: 'framework_principals',
  reserve_resources: 'roles',
  unreserve_resources: 'reserver_principals',
  create_volumes: 'roles',
  destroy_volumes: 'creator_principals',
  update_weights: 'roles',
  update_quotas: 'roles',
  view_frameworks: 'users',
  view_tasks: 'users',
  view_executors: 'users',
  access_sandboxes: 'users',
  get_endpoints: 'paths',
  // Maintenance: Mesos gives these no object but machines, to be given as ANY or NONE.
  update_maintenance_schedules: 'machines',
  get_maintenance_schedules: 'machines',
  start_maintenances: 'machines',
  stop_maintenances: 'machines',
  get_maintenance_statuses: 'machines',
} as const;

export type AclAction = keyof typeof acl_actions;

interface Rule {
  readonly subjects: Entity;
  readonly objects: Entity;
}

/** Checked ACLs. */
export interface Acls {
  readonly permissive: boolean;
  readonly rules: Readonly<Partial<Record<AclAction, readonly Rule[]>>>;
}

function entityOf(value: unknown, where: string): Entity {
  if (value === undefined) return { type: 'ANY' };
  const e = value as { type?: unknown; values?: unknown };
  if (e === null || typeof e !== 'object')
    throw new Error(`${where}: expected {"values": [...]} or {"type": ...}`);
  if (e.values !== undefined) {
    if (!Array.isArray(e.values) || e.values.some((v) => typeof v !== 'string')) {
      throw new Error(`${where}.values must be a list of strings`);
    }
    return { type: 'SOME', values: e.values as string[] };
  }
  if (e.type === 'ANY' || e.type === 'NONE') return { type: e.type };
  throw new Error(`${where}.type must be ANY or NONE, got ${JSON.stringify(e.type)}`);
}

/** Parses Mesos's ACL JSON; throws naming the first bad field. */
export function parseAcls(text: string, what = 'acls'): Acls {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`${what}: not valid JSON: ${(error as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new Error(`${what}: expected an object`);
  const rules: Partial<Record<AclAction, Rule[]>> = {};
  for (const [name, list] of Object.entries(json)) {
    if (name === 'permissive') continue;
    if (!(name in acl_actions)) throw new Error(`${what}: unknown action '${name}'`);
    const action = name as AclAction;
    if (!Array.isArray(list)) throw new Error(`${what}.${action} must be a list of rules`);
    rules[action] = list.map((rule: Record<string, unknown>, i) => {
      const where = `${what}.${action}[${i}]`;
      if (rule === null || typeof rule !== 'object') throw new Error(`${where}: expected a rule object`);
      return {
        subjects: entityOf(rule.principals, `${where}.principals`),
        objects: entityOf(rule[acl_actions[action]], `${where}.${acl_actions[action]}`),
      };
    });
  }
  const permissive = json.permissive ?? true;
  if (typeof permissive !== 'boolean') throw new Error(`${what}.permissive must be true or false`);
  return { permissive, rules };
}

/** Reads `--acls=FILE`. */
export function readAclsFile(path: string): Acls {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--acls file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parseAcls(text, `--acls ${path}`);
}

/** Whether a rule's entity applies to the request's (Mesos's `matches`). */
function matches(request: Entity, rule: Entity): boolean {
  if (request.type === 'NONE') return rule.type === 'NONE';
  if (request.type === 'ANY') return rule.type !== 'SOME';
  const values = request.values;
  if (rule.type === 'SOME') return values.every((v) => rule.values.includes(v));
  return true;
}

/** Whether a matching rule's entity grants the request's (Mesos's `allows`). */
function allows(request: Entity, rule: Entity): boolean {
  if (request.type === 'NONE') return rule.type === 'NONE';
  if (request.type === 'ANY') return rule.type === 'ANY';
  const values = request.values;
  if (rule.type === 'SOME') return values.every((v) => rule.values.includes(v));
  return rule.type === 'ANY';
}

/** Whether `principal` (undefined: anonymous) may do `action` on `object`; no ACLs allow all. */
export function authorized(
  acls: Acls | undefined,
  action: AclAction,
  principal: string | undefined,
  object: string | undefined,
): boolean {
  if (acls === undefined) return true;
  const subject: Entity = principal === undefined ? { type: 'ANY' } : { type: 'SOME', values: [principal] };
  const target: Entity = object === undefined ? { type: 'ANY' } : { type: 'SOME', values: [object] };
  for (const rule of acls.rules[action] ?? []) {
    if (matches(subject, rule.subjects) && matches(target, rule.objects)) {
      return allows(subject, rule.subjects) && allows(target, rule.objects);
    }
  }
  return acls.permissive;
}
