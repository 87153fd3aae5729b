// Moved to @imagy/web-kit/router (shared with the portal); the console imports it from there. This
// re-export keeps code written in parallel against the old path compiling until it is switched too.
export * from '@imagy/web-kit/router';
