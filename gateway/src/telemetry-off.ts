// Imported first by main.ts, before any @apollo or platform module is loaded:
// @apollo/gateway reads APOLLO_TELEMETRY_DISABLED when constructed (it otherwise reports anonymous
// usage to Apollo) and the platform logger reads SERVICE_NAME once.
process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.SERVICE_NAME ??= 'gateway';
