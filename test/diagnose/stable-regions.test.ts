import { describe, expect, test } from "bun:test";
import { changesStableRegion, stableRegions } from "../../src/diagnose/stable-regions.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const regions = (base: string, ...unvaried: string[]) => stableRegions(bytes(base), unvaried.map(bytes))!;

describe("stable regions", () => {
  test("a host name beside a random number: the host name's change is seen, the number's is not", () => {
    const r = regions('var ID = "ci-host-0.7261";\n', 'var ID = "ci-host-0.1193";\n');
    expect(changesStableRegion(r, bytes('var ID = "ci-host-0.5512";\n'))).toBe(false);
    expect(changesStableRegion(r, bytes('var ID = "bunseal-check-host-0.5512";\n'))).toBe(true);
  });

  test("a random value whose length varies is not a change", () => {
    const r = regions('var T = "k3j2h";\nvar N = 1;\n', 'var T = "a9";\nvar N = 1;\n');
    expect(changesStableRegion(r, bytes('var T = "zz91kk2p";\nvar N = 1;\n'))).toBe(false);
    expect(changesStableRegion(r, bytes('var T = "zz91kk2p";\nvar N = 2;\n'))).toBe(true);
  });

  test("an insertion where no unvaried build inserted is a change", () => {
    const r = regions("a = 1;\nb = 2;\n", "a = 1;\nb = 2;\n");
    expect(changesStableRegion(r, bytes("a = 1;\nc = 3;\nb = 2;\n"))).toBe(true);
    expect(changesStableRegion(r, bytes("a = 1;\nb = 2;\n"))).toBe(false);
  });

  test("binary files cannot be told: undefined, never an answer", () => {
    expect(stableRegions(new Uint8Array([0, 1, 2]), [new Uint8Array([0, 1, 3])])).toBeUndefined();
  });
});
