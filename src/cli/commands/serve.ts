import type { Command } from "commander";
import { storeOption } from "../store-option.ts";
import { writeErr, writeOut } from "../streams.ts";

interface ServeFlags {
  store?: string;
  listen?: string;
  token?: string;
  signers?: string;
}

export function registerServe(program: Command, setExit: (code: number) => void): void {
  storeOption(
    program
      .command("serve")
      .description("a read-only web console over the store: trace, artifacts, what runs where, pin timelines; prints its URL first")
      .option("--listen <host:port>", "where to listen; any address but loopback needs --token", "127.0.0.1:7420")
      .option("--token <token>", "a bearer token every API request must carry (at least 16 characters; default $BUNSEAL_SERVE_TOKEN); the page reads it from the URL's #token=…")
      .option("--signers <file>", "name each verified signer on the artifact page from this signers file (JSON; schemas/signers.schema.json); a name is a label, never trust"),
  ).action(async (flags: ServeFlags) => {
    const [{ checkExposure, parseListen }, { openStore }] = await Promise.all([import("../../serve/listen.ts"), import("../../store/open-store.ts")]);
    // the environment is the better place for a secret: a command line is visible to every user in ps
    const token = flags.token ?? (process.env.BUNSEAL_SERVE_TOKEN || undefined);
    const listen = parseListen(flags.listen);
    // refused before the store is opened or a socket bound: nothing is exposed, even for a moment
    checkExposure(listen, token);
    // read before the store is opened: a broken file is the user's to fix (CONFIG_INVALID), nothing is served meanwhile
    const names = flags.signers !== undefined ? await (await import("../../signers/load.ts")).loadSignerNames(flags.signers) : undefined;
    const store = await openStore(flags.store);
    try {
      const { startConsole } = await import("../../serve/server.ts");
      const web = await startConsole({
        store,
        ...listen,
        token,
        names,
        onError: (error, request) => writeErr(`bunseal serve: internal error on ${request.method} ${new URL(request.url).pathname}: ${error instanceof Error ? (process.env.BUNSEAL_DEBUG ? error.stack : error.message) : String(error)}\n`),
      });
      // the URL is the first line, alone, so a script can read it
      writeOut(`${web.url.href}\n`);
      writeErr(`bunseal serve: read-only console over ${store.location}${token ? "; API requests need the token (open the URL with #token=… appended)" : ""}; stop with Ctrl-C\n`);
      await new Promise<void>((resolve) => {
        for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => resolve());
      });
      await web.stop();
      setExit(0);
    } finally {
      await store.close();
    }
  });
}
