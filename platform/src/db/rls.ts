/**
 * SQL that puts a tenant-owned table under Row Level Security. Used by migrations:
 *   this.addSql(tenantRlsSql('users'))
 *
 * The policy compares `tenant_id` with the transaction-local setting `app.tenant_id` (set by
 * `inTenantTx`). No setting means NULL, and NULL matches nothing: no tenant, no rows.
 * `crossTenantRead` additionally lets a transaction that set `app.all_tenants = 'on'` read (never
 * write) every tenant's rows; it is for platform roles such as the auditor, and only code that has
 * checked that role sets it.
 */
const TABLE = /^[a-z_][a-z0-9_.]{0,62}$/;

export function tenantRlsSql(table: string, options: { crossTenantRead?: boolean } = {}): string[] {
  if (!TABLE.test(table)) throw new Error(`Unsafe table name ${table}`);
  const own = `tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid`;
  const statements = [
    `alter table ${table} enable row level security`,
    `alter table ${table} force row level security`,
    `drop policy if exists tenant_isolation on ${table}`,
    `create policy tenant_isolation on ${table} using (${own}) with check (${own})`,
  ];
  if (options.crossTenantRead) {
    statements.push(
      `drop policy if exists cross_tenant_read on ${table}`,
      `create policy cross_tenant_read on ${table} for select using (current_setting('app.all_tenants', true) = 'on')`,
    );
  }
  return statements;
}
