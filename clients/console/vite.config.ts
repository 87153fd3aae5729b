/**
 * Vite: `npm run dev:console` (hot reload, proxying /graphql and its WebSocket to a running gateway)
 * and `npm run build:console` (dist/, served by the gateway at /console/).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { babelOptimizerPlugin } from '@graphql-codegen/client-preset';

const gateway = process.env.IMAGY_GATEWAY_URL ?? `http://127.0.0.1:${process.env.IMAGY_PORT_BASE ?? '4000'}`;

export default defineConfig({
  base: '/console/',
  plugins: [react({
    // graphql(`...`) calls become imports of their one document (tree-shaken), instead of the
    // preset's lookup table that would pull every module's documents into the first page.
    babel: { plugins: [[babelOptimizerPlugin, { artifactDirectory: './src/__generated__', gqlTagName: 'graphql' }]] },
  })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 900,
    // One vendor chunk cached across releases; each module's page is its own lazy chunk.
    rollupOptions: {
      output: {
        manualChunks(id) {
          // The charts' library is only in the pages that draw charts.
          if (/node_modules\/(recharts|d3-|victory-vendor|decimal\.js-light|es-toolkit|immer|redux|reselect|@reduxjs|react-redux|eventemitter3|tiny-invariant|clsx|use-sync-external-store)/.test(id)) return 'charts';
          if (id.includes('node_modules')) return 'vendor';
          if (id.includes('__generated__')) return 'documents';
          return undefined;
        },
      },
    },
  },
  server: {
    port: Number(process.env.CONSOLE_DEV_PORT ?? 5173),
    strictPort: false,
    proxy: { '/graphql': { target: gateway, ws: true, changeOrigin: false } },
  },
});
