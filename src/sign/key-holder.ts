/**
 * The key in one small place (issue #18, What 4). When a command is given a
 * private key to sign with, bunseal's first process reads it and then runs
 * nothing but the rest of bunseal, as a child, and answers that child's
 * signing requests over an IPC channel no other process holds (a socket pair;
 * Bun passes it to no grandchild). The child runs git, the sandbox, `bun
 * install` and the build; its command line names the key by a word of
 * bunseal's own (HELD_KEY), not by its path, and its environment carries no
 * private key. What it learns of the key over the channel is the public half
 * and the path to mask in the sandbox, in memory only.
 *
 * Every command that signs with a key file goes through here; the first
 * process pays one more Bun start for it (see the README's figure), and loads
 * nothing before that start: the key is parsed while the child starts.
 * The child's side is src/sign/held-key.ts.
 */

import { readFile } from "node:fs/promises";
import { keyText } from "./key-text.ts";
import { keyFlags, type Named } from "./private-key-flag.ts";

/** What the child's command line says instead of the key's path. */
export const HELD_KEY = "bunseal:held-key";

/** The bunseal flags a started-right process runs with (bin/bunseal's shebang). */
const BUN_FLAGS = ["--no-env-file", "--config=/dev/null"];


/**
 * In bunseal's first process: when argv names exactly one private key, hold it
 * and run the command in a child; answers the child's exit status. Anything
 * else (no private key, two, an unreadable file, a child already) is left to
 * the command itself, which tells it as it always has, before it runs
 * anything. A key that does not parse is told to the child, which fails with
 * the error loading it would have raised.
 */
export async function holdKey(script: string, argv: readonly string[]): Promise<number | undefined> {
  if (argv.some((word) => word.endsWith(`=${HELD_KEY}`))) return undefined;
  const named: (Named & { pem: string })[] = [];
  for (const candidate of keyFlags(argv)) {
    // shared with the command's own read, should it run here after all (a pipe gives its bytes once)
    const pem = await keyText(candidate.path).catch(() => "");
    if (pem.includes("PRIVATE KEY-----")) named.push({ ...candidate, pem });
  }
  if (named.length !== 1) return undefined;
  const [key] = named as [Named & { pem: string }];
  const childArgv = [...argv.slice(0, key.index), `${key.flag}=${HELD_KEY}`, ...argv.slice(key.index + key.words)];
  let ready: Promise<Holder> | undefined;
  const child = Bun.spawn([process.execPath, ...BUN_FLAGS, script, ...childArgv], {
    env: withoutKeys(process.env),
    stdio: ["inherit", "inherit", "inherit"],
    serialization: "json",
    ipc(message: { id: number; op: string; data?: unknown }, proc) {
      const reply = (body: object) => proc.send({ id: message.id, ...body });
      ready!.then(
        (holder) => {
          if (message.op === "describe") reply(holder.described);
          else if (message.op === "sign" && typeof message.data === "string") {
            holder.sign(Buffer.from(message.data, "base64")).then(
              (signature) => reply({ signature: signature.toString("base64") }),
              (error: Error) => reply({ error: { code: "IO_FAILED", message: error.message } }),
            );
          } else if (message.op === "sign-file" && typeof message.data === "string") {
            // the child's own file of the bytes to sign (src/sign/held-key.ts): large statements cross faster so
            readFile(message.data)
              .then((data) => holder.sign(data))
              .then(
                (signature) => reply({ signature: signature.toString("base64") }),
                (error: Error) => reply({ error: { code: "IO_FAILED", message: error.message } }),
              );
          } else reply({ error: { code: "IO_FAILED", message: `unknown request ${JSON.stringify(message.op)}` } });
        },
        // the key did not load: the child raises the same error, as it would have loading the key itself
        (error: { code?: string; message: string; toJSON?: () => object }) => reply({ error: error.toJSON?.() ?? { code: "IO_FAILED", message: error.message } }),
      );
    },
  });
  // the key is parsed while the child starts (node:crypto costs as much as a Bun start)
  ready = loadHolder(key.pem, key.path);
  ready.catch(() => undefined);
  // an interrupt or a stop meant for bunseal reaches the bunseal that does the work
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => child.kill(signal));
  return child.exited;
}

interface Holder {
  described: { publicKey: string; path: string };
  sign(data: Buffer): Promise<Buffer>;
}

/** From the text read once: the key may come through a pipe (`--key /dev/fd/3`), whose path then names no file. */
async function loadHolder(pem: string, path: string): Promise<Holder> {
  const [{ createPublicKey }, { resolve }, { parsePrivateKey }, { keySigner }] = await Promise.all([import("node:crypto"), import("node:path"), import("./keys.ts"), import("./signer.ts")]);
  const privateKey = parsePrivateKey(pem, path);
  const signer = keySigner(privateKey);
  return {
    described: { publicKey: createPublicKey(privateKey).export({ type: "spki", format: "pem" }) as string, path: resolve(path) },
    sign: async (data) => (await signer.sign(data)).signature,
  };
}

/** Every path given to the command's private-key flag, in either spelling, up to a `--`. */
/** The environment less any variable that holds a private key (a CI secret exported whole). */
function withoutKeys(env: NodeJS.ProcessEnv): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) if (value !== undefined && !value.includes("PRIVATE KEY-----")) kept[name] = value;
  return kept;
}
