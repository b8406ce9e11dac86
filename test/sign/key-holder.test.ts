/**
 * The key holder (src/sign/key-holder.ts) answers its child's signing
 * requests: small payloads over the channel, large ones (a statement of
 * thousands of inputs) through a file of the child's. Either way the
 * signature is the key's over exactly the bytes asked.
 */
import { expect, test } from "bun:test";
import { createPublicKey, verify } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT, runCli } from "../helpers/cli.ts";
import { makeTempDir } from "../helpers/testdir.ts";

test("a held key signs a small and a 1 MB payload for its child, each verifiable with the public key", async () => {
  await using dir = await makeTempDir("bunseal-holder-");
  const keys = join(dir.path, "keys");
  expect((await runCli(["keygen", "--out", keys])).exitCode).toBe(0);
  const child = join(dir.path, "child.ts");
  writeFileSync(
    child,
    `import { heldKey } from ${JSON.stringify(join(REPO_ROOT, "src/sign/held-key.ts"))};
const { signer } = await heldKey();
const out = {};
for (const size of [100, 1024 * 1024]) {
  const data = Buffer.alloc(size, size % 251);
  data[size - 1] = 7;
  out[size] = (await signer.sign(data)).signature.toString("base64");
}
await Bun.write(${JSON.stringify(join(dir.path, "signatures.json"))}, JSON.stringify(out));
process.exit(0);
`,
  );
  const holder = join(dir.path, "holder.ts");
  writeFileSync(holder, `import { holdKey } from ${JSON.stringify(join(REPO_ROOT, "src/sign/key-holder.ts"))};\nprocess.exit(await holdKey(${JSON.stringify(child)}, process.argv.slice(2)));\n`);
  const proc = Bun.spawnSync([process.execPath, holder, "build", ".", "--key", join(keys, "bunseal.key")], { stderr: "pipe" });
  expect(proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
  const signatures = JSON.parse(readFileSync(join(dir.path, "signatures.json"), "utf8")) as Record<string, string>;
  const publicKey = createPublicKey(readFileSync(join(keys, "bunseal.pub")));
  for (const size of [100, 1024 * 1024]) {
    const data = Buffer.alloc(size, size % 251);
    data[size - 1] = 7;
    expect(verify("sha256", data, publicKey, Buffer.from(signatures[size]!, "base64"))).toBe(true);
    data[0] = data[0]! ^ 1;
    expect(verify("sha256", data, publicKey, Buffer.from(signatures[size]!, "base64"))).toBe(false);
  }
});
