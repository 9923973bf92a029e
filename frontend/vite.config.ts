import { defineConfig } from 'vitest/config';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The same build is served by the Wails asset server (wails://wails/,
// http://wails.localhost/) and by `tessera serve` from "/": relative asset
// URLs and hash routing work under both.
export default defineConfig({
  plugins: [svelte()],
  base: './',
  build: {
    outDir: 'dist/app',
    emptyOutDir: true,
    // WebKitGTK on Debian 12 (2.4x) is the oldest engine we run in.
    target: ['es2022', 'safari16'],
  },
  server: {
    // `npm run dev` against a running `tessera serve --addr 127.0.0.1:8080`.
    proxy: { '/api': { target: process.env.TESSERA_URL ?? 'http://127.0.0.1:8080', changeOrigin: true } },
  },
  resolve: process.env.VITEST ? { conditions: ['browser'] } : undefined,
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
