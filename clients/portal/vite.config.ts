/**
 * Vite: `npm run dev:portal` (hot reload, proxying /graphql, its WebSocket and flow's files to a
 * running gateway; open http://demo.localhost:5174/) and `npm run build:portal` (dist/, served by
 * the gateway at / on every host).
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { babelOptimizerPlugin } from '@graphql-codegen/client-preset';

const gateway = process.env.IMAGY_GATEWAY_URL ?? `http://127.0.0.1:${process.env.IMAGY_PORT_BASE ?? '4000'}`;

export default defineConfig({
  base: '/',
  plugins: [react({
    // graphql(`...`) calls become imports of their one document (tree-shaken): the landing's chunk
    // holds only the landing's documents.
    babel: { plugins: [[babelOptimizerPlugin, { artifactDirectory: './src/__generated__', gqlTagName: 'graphql' }]] },
  })],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules')) return 'vendor';
          return undefined;
        },
      },
    },
  },
  server: {
    port: Number(process.env.PORTAL_DEV_PORT ?? 5174),
    strictPort: false,
    // *.localhost hosts (the tenant is resolved by host).
    allowedHosts: ['.localhost'],
    proxy: {
      '/graphql': { target: gateway, ws: true, changeOrigin: false },
      '/flow/files': { target: gateway, changeOrigin: false },
    },
  },
});
