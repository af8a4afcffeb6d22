// Bundles the CLI and its dependencies into one CommonJS file, so start-up reads one file.
// CommonJS because dockerode's dependencies use __dirname and require() for Node built-ins.
import { build } from "esbuild"

// docker-modem loads ssh2 at start-up for `ssh://` hosts; buildlens refuses those before dockerode sees
// them, so the bundle carries a stand-in that fails loudly if it is ever reached (600 KiB less to parse).
const withoutSsh2 = {
  name: "without-ssh2",
  setup(build) {
    build.onResolve({ filter: /^ssh2$/ }, () => ({ path: "ssh2", namespace: "without-ssh2" }))
    build.onLoad({ filter: /.*/, namespace: "without-ssh2" }, () => ({
      contents:
        "class Client { constructor() { throw new Error('ssh:// docker hosts are not supported by this build') } }\n" +
        "module.exports = { Client }",
      loader: "js"
    }))
  }
}

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/buildlens.cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minify: true,
  keepNames: true,
  // ssh2 and cpu-features (through dockerode) try optional native addons inside try/catch; left
  // external, the require fails and they fall back to JavaScript.
  external: ["*.node"],
  plugins: [withoutSsh2],
  logLevel: "warning"
})
