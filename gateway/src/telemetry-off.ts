// Imported first by main.ts: @apollo/gateway reads this when constructed and otherwise reports
// anonymous usage to Apollo.
process.env.APOLLO_TELEMETRY_DISABLED = '1';
