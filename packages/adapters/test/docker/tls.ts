/**
 * Loopback TLS for the docker adapter tests: throwaway certificates made with openssl, and a TLS front on
 * 127.0.0.1 that requires a client certificate and pipes each connection to the private dockerd's socket,
 * so `tcp://` + TLS reaches a real daemon without exposing it.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { type AddressInfo, connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Duplex } from "node:stream"
import * as tls from "node:tls"
import { Effect, type Scope } from "effect"

/** PEM files of a test PKI: a CA, a server certificate for 127.0.0.1, a client certificate, a foreign CA. */
export interface TestPki {
  readonly ca: Buffer
  readonly serverCert: Buffer
  readonly serverKey: Buffer
  readonly clientCert: Buffer
  readonly clientKey: Buffer
  /** A CA that signed nothing here: trusting only it must fail verification. */
  readonly otherCa: Buffer
}

const openssl = (cwd: string, ...args: Array<string>): void => {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] })
}

const selfSigned = (cwd: string, name: string, cn: string): void =>
  openssl(
    cwd,
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
    "-days",
    "1",
    "-subj",
    `/CN=${cn}`
  )

const signed = (cwd: string, name: string, cn: string, extensions: string): void => {
  openssl(
    cwd,
    "req",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.csr`,
    "-subj",
    `/CN=${cn}`
  )
  writeFileSync(join(cwd, `${name}.ext`), extensions)
  openssl(
    cwd,
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    `${name}.pem`,
    "-days",
    "1",
    "-extfile",
    `${name}.ext`
  )
}

/** Generates a fresh PKI in a temp folder (removed before returning). */
export const makeTestPki = (): TestPki => {
  const dir = mkdtempSync(join(tmpdir(), "buildlens-pki-"))
  try {
    selfSigned(dir, "ca", "buildlens test CA")
    selfSigned(dir, "other", "buildlens unrelated CA")
    signed(dir, "server", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
    signed(dir, "client", "buildlens test client", "extendedKeyUsage=clientAuth\n")
    const read = (file: string): Buffer => readFileSync(join(dir, file))
    return {
      ca: read("ca.pem"),
      serverCert: read("server.pem"),
      serverKey: read("server.key"),
      clientCert: read("client.pem"),
      clientKey: read("client.key"),
      otherCa: read("other.pem")
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * A TLS front for the daemon at `socketPath`, on 127.0.0.1; returns its port, closed with the scope. `maxVersion`
 * TLSv1.2 makes a missing client certificate fail the handshake itself (TLS 1.3 reports it after).
 */
export const tlsFront = (
  pki: TestPki,
  socketPath: string,
  options: { readonly maxVersion?: tls.SecureVersion } = {}
): Effect.Effect<number, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<{ server: tls.Server; open: Set<Duplex> }>((resume) => {
      const open = new Set<Duplex>()
      const server = tls.createServer(
        {
          key: pki.serverKey,
          cert: pki.serverCert,
          ca: pki.ca,
          requestCert: true,
          rejectUnauthorized: true,
          ...options
        },
        (client) => {
          const daemon = connect(socketPath)
          open.add(client).add(daemon)
          const drop = (): void => {
            client.destroy()
            daemon.destroy()
          }
          client.on("error", drop).on("close", drop)
          daemon.on("error", drop).on("close", drop)
          client.pipe(daemon)
          daemon.pipe(client)
        }
      )
      // Handshakes the tests make fail on purpose end up here.
      server.on("tlsClientError", () => {})
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed({ server, open })))
    }),
    ({ server, open }) =>
      Effect.async<void>((resume) => {
        server.close(() => resume(Effect.void))
        for (const socket of open) socket.destroy()
      })
  ).pipe(Effect.map(({ server }) => (server.address() as AddressInfo).port))
