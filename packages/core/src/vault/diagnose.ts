/**
 * When a request to Vault fails at the transport level, a cheap look at the server tells the true
 * cause of the two commonest misconfigurations: `http://` to a TLS port (the server resets the
 * connection) and `https://` to a plain port (a TLS "wrong version number"). Only run on failure.
 */
import { ConfigError, type S5Error } from "../errors.ts";

const PROBE_MS = 2000;

/**
 * Whether host:port speaks TLS: the handshake completes (the certificate is not checked here), or
 * the server answers it with a TLS alert. A plain HTTP server answers with bytes that are no TLS
 * record at all ("wrong version number").
 */
function speaksTls(host: string, port: number): Promise<boolean> {
  const tls = process.getBuiltinModule("node:tls");
  const net = process.getBuiltinModule("node:net");
  return new Promise((resolve) => {
    const servername = net.isIP(host) ? undefined : host;
    const socket = tls.connect({ host, port, servername, rejectUnauthorized: false });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PROBE_MS, () => done(false));
    socket.once("secureConnect", () => done(true));
    socket.once("error", (error: NodeJS.ErrnoException) => done(/ALERT/.test(error.code ?? "")));
  });
}

/** Whether host:port answers plain HTTP. */
function speaksHttp(host: string, port: number): Promise<boolean> {
  const net = process.getBuiltinModule("node:net");
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let head = "";
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(PROBE_MS, () => done(false));
    socket.once("connect", () => socket.write("GET /v1/sys/health HTTP/1.0\r\n\r\n"));
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      if (head.length >= 5) done(head.startsWith("HTTP/"));
    });
    socket.once("error", () => done(false));
    socket.once("end", () => done(head.startsWith("HTTP/")));
  });
}

/** Transport errors that a protocol mismatch produces. */
const MISMATCH = /ECONNRESET|EPROTO|EPIPE|ERR_SSL|HPE_|ERR_BAD_RESPONSE|SOCKET_HANG_UP/;

/** The configuration error behind a transport failure, when a probe finds one. */
export async function diagnoseTransport(
  address: string,
  code: string,
): Promise<S5Error | undefined> {
  if (!MISMATCH.test(code)) return undefined;
  const url = new URL(address);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  if (url.protocol === "http:") return diagnosePlainAnswer(address);
  if (url.protocol === "https:" && (await speaksHttp(host, port))) {
    return new ConfigError(
      "S5_CONFIG_VAULT_ADDR",
      `VAULT_ADDR is ${address}, but the server there does not speak TLS`,
      {
        hint: `use http://${url.host}${url.pathname === "/" ? "" : url.pathname}, or the port where Vault serves TLS`,
      },
    );
  }
  return undefined;
}

/**
 * The configuration error behind an `http://` address whose server answered a request with a
 * 400 that is no Vault JSON. Go's TLS server answers plain HTTP with `400 Bad Request` ("Client
 * sent an HTTP request to an HTTPS server"): Node 24's parser rejects that answer (a transport
 * error, above), Node 22's takes it as an answer.
 */
export async function diagnosePlainAnswer(address: string): Promise<S5Error | undefined> {
  const url = new URL(address);
  if (url.protocol !== "http:") return undefined;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!(await speaksTls(host, Number(url.port || 80)))) return undefined;
  return new ConfigError(
    "S5_CONFIG_VAULT_ADDR",
    `VAULT_ADDR is ${address}, but the server there speaks TLS`,
    { hint: `use https://${url.host}${url.pathname === "/" ? "" : url.pathname}` },
  );
}
