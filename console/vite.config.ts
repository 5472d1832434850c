import { fileURLToPath } from "node:url";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

/**
 * The admin console: built into console/dist, served under /console/ (by `digest serve` locally, from
 * the console bucket through CloudFront deployed). No inline script (the CSP forbids it), no source maps
 * in what is served.
 */
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  plugins: [preact()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Nothing inlined as data: URLs or inline script: everything is a file the CSP's 'self' allows.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    reportCompressedSize: false,
  },
  logLevel: "warn",
});
