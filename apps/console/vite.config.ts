import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console is served by the hub itself at / (libs/http console.ts), from dist/console: relative
// asset URLs, no dev server in production, the API on the same origin.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: fileURLToPath(new URL('../../dist/console', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  oxc: { jsx: { runtime: 'automatic' } },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000', '/oauth': 'http://127.0.0.1:3000', '/metrics': 'http://127.0.0.1:3000' } },
});
