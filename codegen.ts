/**
 * graphql-codegen: the GraphQL contract is written once, in each subgraph's schema.graphql, and
 * the TypeScript types come from it.
 *
 *   npm run codegen    writes subgraphs/<name>/src/__generated__/graphql.ts (and the clients' files)
 *   npm ci             runs it too (postinstall): generated files are git-ignored (docs/adr/0005)
 *   npm run check      fails when a generated file on disk is stale or missing (scripts/check-codegen.ts)
 *
 * Every folder under subgraphs/ with a schema.graphql is picked up (the scaffold's new subgraphs
 * too): its resolver types use `../context#<Pascal>Context`, the platform scalars and, when it has
 * a block in MAPPERS below, the domain types its services return. Generated files are never edited
 * and never committed. How a subgraph adopts them: platform/README.md (the graphql section).
 */
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { parse, Kind, type OperationDefinitionNode } from 'graphql';
import type { CodegenConfig } from '@graphql-codegen/cli';
import type { Types } from '@graphql-codegen/plugin-helpers';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';

/**
 * Resolver parent types, per subgraph: GraphQL type name -> "module#Export", the module path
 * relative to the generated file (subgraphs/<name>/src/__generated__/graphql.ts). The resolvers of a
 * mapped type receive (and the fields returning it must give) the domain type, not the SDL shape.
 * Each subgraph owns its block; a subgraph without one gets the SDL shapes.
 */
const MAPPERS: Record<string, Record<string, string>> = {
  // ---- identity ------------------------------------------------------------------------------
  identity: {
    Tenant: '../tenants/tenants.service#Tenant',
    User: '../users/users.service#User',
    ApiKey: '../api-keys/api-keys.service#ApiKey',
    OidcProvider: '../oidc/oidc.service#OidcProviderView',
  },
  // ---- end identity --------------------------------------------------------------------------

  // ---- lending -------------------------------------------------------------------------------
  lending: {
    CreditProduct: '../products/products.service#CreditProduct',
    ProductVersion: '../products/products.service#ProductVersion',
    ChangeRequest: '../products/products.service#ChangeRequest',
    // Terms as the API shows them: with the product's currency, amounts at its minor unit.
    ProductTerms: '../products/terms#ProductTermsView',
    Credit: '../credits/credits.service#Credit',
    CreditConnection: '../credits/credits.service#CreditConnection',
    Installment: '../credits/credits.service#Installment',
    Payment: '../payments/payments.service#Payment',
    Simulation: '../simulator/simulator.service#Simulation',
    DelinquencyRun: '../delinquency/delinquency.service#DelinquencyRun',
    // The User entity is identity's: lending only receives and returns its key.
    User: '@imagy/platform/graphql#EntityRef',
    // Origination pipeline (issue 12).
    Pipeline: '../pipeline/pipeline.service#PipelineView',
    PipelineStep: '../pipeline/steps#PipelineStep',
    LegalDocument: '../pipeline/pipeline.service#LegalDocument',
    CreditApplication: '../applications/applications.types#Application',
    CreditApplicationConnection: '../applications/applications.types#ApplicationConnection',
    ApplicationStep: '../applications/applications.types#AppStep',
    ConsentEvidence: '../applications/applications.types#Consent',
    BorrowerDocument: '../applications/applications.types#BorrowerDocument',
    ApplicationProgress: '../applications/applications.live#ProgressView',
    // Portfolio figures (issue 13): the summary carries the tenant and currency its fields read.
    PortfolioSummary: '../portfolio/portfolio.service#PortfolioScope',
  },
  // ---- end lending ---------------------------------------------------------------------------

  // ---- audit ---------------------------------------------------------------------------------
  audit: {
    AuditEvent: '../audit-events/audit-event.store#AuditEventRow',
    AuditEventConnection: '../audit-events/audit-event.service#AuditConnection',
    AuditReportRow: '../reports/report.service#ReportRow',
    User: '@imagy/platform/graphql#EntityRef',
  },
  // ---- end audit -----------------------------------------------------------------------------

  // ---- notifications -------------------------------------------------------------------------
  notifications: {
    NotificationTemplate: '../templates/templates.service#Template',
    NotificationTemplateVersion: '../templates/templates.service#TemplateVersion',
    NotificationRequest: '../requests/requests.service#NotificationRequest',
    NotificationAttempt: '../requests/requests.service#AttemptRecord',
    ChannelConfig: '../channels/channels.service#ChannelConfig',
    LocalMessage: '../mailbox/mailbox.service#LocalMessage',
    NotificationRule: '../rules/rules.service#Rule',
    OtpChallenge: '../otp/otp.service#OtpChallenge',
    // The User entity is identity's: notifications only receives and returns its key.
    User: '@imagy/platform/graphql#EntityRef',
  },
  // ---- end notifications ---------------------------------------------------------------------
  // ---- flow ----------------------------------------------------------------------------------
  flow: {
    Flow: '../flows/flows.service#Flow',
    FlowVersion: '../flows/flows.service#FlowVersion',
    FlowStep: '../flows/flows.service#FlowStep',
    FlowRule: '../flows/flows.service#FlowRule',
    FlowRequest: '../executions/executions.service#FlowRequest',
    FlowStepResult: '../executions/executions.service#StepResult',
    ProviderCall: '../executions/executions.service#ProviderCall',
    FlowSession: '../executions/executions.service#FlowSession',
    FlowFile: '../storage/files.store#FlowFile',
    ProviderConfig: '../providers/providers.store#ProviderConfig',
  },
  // ---- end flow ------------------------------------------------------------------------------

  // ---- sign ----------------------------------------------------------------------------------
  sign: {
    SignatureRequest: '../requests/requests.store#SignatureRequest',
    SignatureDocument: '../requests/requests.service#DocumentView',
    Signer: '../requests/requests.store#Signer',
    SignatureTrailEntry: '../trail/trail.store#TrailEntry',
    SigningSession: '../signing/signing.service#SigningSessionView',
    DocumentVerification: '../requests/requests.service#Verification',
    User: '@imagy/platform/graphql#EntityRef',
  },
  // ---- end sign ------------------------------------------------------------------------------

  // ---- platform's own self-test (platform/src/graphql/fixture) -------------------------------
  fixture: {
    Note: '../notes#Note',
  },
};

/** Mapped in every subgraph: platform's UserError carries the parameters its `message` resolver renders. */
const SHARED_MAPPERS: Record<string, string> = {
  UserError: '@imagy/platform/graphql#UserError',
};

/**
 * TypeScript types of the custom scalars (platform/src/graphql/scalars.ts): what parseValue gives a
 * resolver (`input`) and what serialize accepts from one (`output`). A scalar found in an SDL but
 * missing here fails the run, so a new scalar gets a type (and a GraphQLScalarType) on purpose.
 */
const SCALARS: Record<string, { input: string; output: string }> = {
  // Input: canonical `toISOString()` text. Output: ISO text with an offset, or a Date.
  DateTime: { input: 'string', output: 'string | Date' },
  Date: { input: 'string', output: 'string' },
  Decimal: { input: 'string', output: 'string' },
  JSON: { input: '@imagy/platform/graphql#JsonValue', output: '@imagy/platform/graphql#JsonValue' },
};

/** What the clients' typed documents see (the gateway serialises every scalar as JSON text or value). */
const CLIENT_SCALARS: Record<string, string> = { DateTime: 'string', Date: 'string', Decimal: 'string', JSON: 'unknown' };

const BUILT_IN_SCALARS = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);

export const pascal = (name: string) => name.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

/** A schema to generate resolver types for: the SDL file and the generated file, relative to the root. */
export interface ServerTarget { name: string; schema: string; output: string }

/** subgraphs/<name>/ folders with a schema.graphql (the same set rover.yaml lists), plus platform's fixture. */
export function serverTargets(root: string): ServerTarget[] {
  const dir = path.join(root, 'subgraphs');
  const subgraphs = fs.existsSync(dir)
    ? fs.readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'schema.graphql')))
      .map((e) => e.name)
      .sort()
      .map((name) => ({ name, schema: `subgraphs/${name}/schema.graphql`, output: `subgraphs/${name}/src/__generated__/graphql.ts` }))
    : [];
  const fixture = 'platform/src/graphql/fixture';
  const own = fs.existsSync(path.join(root, fixture, 'schema.graphql'))
    ? [{ name: 'fixture', schema: `${fixture}/schema.graphql`, output: `${fixture}/__generated__/graphql.ts` }]
    : [];
  return [...subgraphs, ...own];
}

/**
 * clients/<name>/ apps (a src/ and an index.html: console, portal), each with its own documents and
 * manifest. clients/web-kit (shared code, no index.html, no documents) is not one.
 */
export function clientNames(root: string): string[] {
  const dir = path.join(root, 'clients');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'src')) && fs.existsSync(path.join(dir, e.name, 'index.html')))
    .map((e) => e.name).sort();
}

function scalarsOf(target: ServerTarget, sdl: string): Record<string, { input: string; output: string }> {
  // `federation: true` declares the federation spec's field-set scalar (the text of @key fields).
  const out: Record<string, { input: string; output: string }> = { _FieldSet: { input: 'string', output: 'string' } };
  const declared = [...sdl.matchAll(/^\s*scalar\s+([_A-Za-z][_0-9A-Za-z]*)/gm)].map((m) => m[1]!).filter((s) => !BUILT_IN_SCALARS.has(s));
  for (const scalar of declared) {
    const mapped = SCALARS[scalar];
    if (!mapped) throw new Error(`${target.schema} declares scalar ${scalar}: give it a TypeScript type in SCALARS (codegen.ts) and a GraphQLScalarType in platform/src/graphql/scalars.ts`);
    out[scalar] = mapped;
  }
  return out;
}

function serverOutput(root: string, target: ServerTarget): Types.ConfiguredOutput {
  const sdl = fs.readFileSync(path.join(root, target.schema), 'utf8');
  return {
    schema: target.schema,
    plugins: [
      { add: { content: `/* Generated by graphql-codegen from ${target.schema} (npm run codegen). Do not edit. */` } },
      'typescript',
      'typescript-resolvers',
    ],
    config: {
      federation: true,
      contextType: `../context#${pascal(target.name)}Context`,
      useTypeImports: true,
      // Enums are string unions: services return their own plain string literals.
      enumsAsTypes: true,
      scalars: scalarsOf(target, sdl),
      strictScalars: true,
      mappers: {
        ...Object.fromEntries(Object.entries(SHARED_MAPPERS).filter(([type]) => new RegExp(`^\\s*type\\s+${type}\\b`, 'm').test(sdl))),
        ...MAPPERS[target.name],
      },
      // Imported domain types get a suffix so they never clash with the SDL type of the same name.
      mapperTypeSuffix: 'Model',
      maybeValue: 'T | null',
      inputMaybeValue: 'T | null | undefined',
    },
  };
}

function clientOutput(name: string): Types.ConfiguredOutput {
  return {
    // The composed supergraph: the API the gateway serves.
    schema: 'schema/supergraph.graphql',
    documents: [`clients/${name}/src/**/*.{ts,tsx}`, `!clients/${name}/src/__generated__/**`],
    preset: 'client',
    // Apollo Client's cache adds __typename to every selection set before sending: the persisted
    // bodies (and so their hashes) must hold it too.
    documentTransforms: [addTypenameSelectionDocumentTransform],
    presetConfig: {
      fragmentMasking: { unmaskFunctionName: 'getFragmentData' },
      // Clients send only the hash (`__meta__.hash`, read by the client's link); `persisted-documents.json`
      // is turned into the gateway's manifest schema/persisted-documents.<name>.json (see clientManifests).
      // The document itself is kept (embedHashInDocument): Apollo Client's cache needs its selections.
      persistedDocuments: { mode: 'embedHashInDocument', hashAlgorithm: 'sha256' },
    },
    config: {
      useTypeImports: true,
      enumsAsTypes: true,
      scalars: CLIENT_SCALARS,
    },
  };
}

/** The path, relative to the root, of the manifest written for a client's persisted documents. */
export const clientManifestPath = (name: string) => `schema/persisted-documents.${name}.json`;
const persistedDocumentsOf = (name: string) => `clients/${name}/src/__generated__/persisted-documents.json`;

/**
 * A client's persisted documents (`{ sha256: body }`, written by the client preset) as the
 * apollo-persisted-query-manifest the gateway safelists (gateway/src/persisted-queries.ts).
 */
export function manifestOf(persistedDocuments: Record<string, string>): string {
  const operations = Object.entries(persistedDocuments).map(([id, body]) => {
    if (crypto.createHash('sha256').update(body).digest('hex') !== id) throw new Error(`persisted document ${id} is not the sha256 of its body`);
    const op = parse(body).definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    if (!op?.name) throw new Error(`persisted document ${id} has no named operation`);
    return { id, name: op.name.value, type: op.operation, body };
  }).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  return `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
}

/** The manifests that follow from the clients' generated persisted documents (`read` gives a file's text or null). */
export function clientManifests(root: string, read: (relative: string) => string | null): { file: string; content: string }[] {
  return clientNames(root).flatMap((name) => {
    const text = read(persistedDocumentsOf(name));
    return text === null ? [] : [{ file: clientManifestPath(name), content: manifestOf(JSON.parse(text) as Record<string, string>) }];
  });
}

/** The whole configuration for a repository root (tests build it for a temporary root). */
export function codegenConfig(root: string): CodegenConfig {
  const generates: Record<string, Types.ConfiguredOutput> = {};
  for (const target of serverTargets(root)) generates[target.output] = serverOutput(root, target);
  for (const name of clientNames(root)) generates[`clients/${name}/src/__generated__/`] = clientOutput(name);
  return {
    overwrite: true,
    silent: true,
    errorsOnly: true,
    generates,
    hooks: {
      afterAllFileWrite: [
        () => {
          const read = (rel: string) => (fs.existsSync(path.join(root, rel)) ? fs.readFileSync(path.join(root, rel), 'utf8') : null);
          for (const m of clientManifests(root, read)) fs.writeFileSync(path.join(root, m.file), m.content);
        },
      ],
    },
  };
}

export default codegenConfig(__dirname);
