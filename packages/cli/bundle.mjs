// Bundles the CLI and its dependencies into one CommonJS file, so start-up reads one file.
// CommonJS because dockerode's dependencies use __dirname and require() for Node built-ins.
import { build } from "esbuild"

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/buildlens.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minifyWhitespace: true,
  minifySyntax: true,
  // ssh2 and cpu-features (through dockerode) try optional native addons inside try/catch; left
  // external, the require fails and they fall back to JavaScript.
  external: ["*.node"],
  logLevel: "warning"
})
