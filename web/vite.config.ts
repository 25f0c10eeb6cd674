import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run build -w web` writes dist/, which the server serves at `/`. `npm run dev -w web` proxies
// the API to a server on 8787 (`npm start`).
export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  server: {
    // The templates are the repository's examples/*.json, one level up.
    fs: { allow: ['..'] },
    proxy: { '/api': 'http://127.0.0.1:8787' },
  },
});
