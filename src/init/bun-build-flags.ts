/**
 * Every flag `bun build` takes in Bun 1.4.5, with what bunseal makes of it:
 * the Bun.build option it sets, or why it is not for bunseal.json. The list is
 * checked against `bun build --help` and `bun --help` of the installed Bun
 * (test/init/bun-help.test.ts), both ways, so a Bun upgrade that adds or drops
 * a flag fails a test instead of being silently mistranslated.
 */
import { basename } from "node:path";
import { addOption, setOption, setPart, untranslated, type Translation } from "./translation.ts";

/** `value`: `--f=v` or `--f v`. `optional`: a value only as `--f=v`; Bun reads `--f v`'s v as an entrypoint. */
export type Arity = "none" | "value" | "optional";

export interface FlagSpec {
  /** the long name without `--` */
  name: string;
  short?: string;
  arity: Arity;
  /** which help lists it: `bun build --help`, or `bun --help` (flags every command shares) */
  help: "build" | "bun";
  /** the Bun.build option it sets (for the flag table and the differential test), or none */
  option?: string;
  apply?: (t: Translation, value: string | undefined, token: string) => void;
  /** why it has no place in bunseal.json */
  reason?: string;
}

export const OUT_FOLDER = "bunseal writes the outputs into its own artifact (config outDir, default .bunseal/out), named by build.naming";
const NOT_FOR_RELEASE = "a development mode, not for a release build";
const COMPILE_ONLY = "an option of the compiled executable that bunseal.json does not hold";

const flag = (name: string, arity: Arity, help: FlagSpec["help"], rest: Partial<FlagSpec> = {}): FlagSpec => ({ name, arity, help, ...rest });
const set = (option: string, value?: unknown) => (t: Translation, v: string | undefined, token: string) => setOption(t, option, value === undefined ? v : value, token);
const part = (option: string, key: string, value?: unknown) => (t: Translation, v: string | undefined, token: string) => setPart(t, option, key, value === undefined ? v : value, token);
const list = (option: string) => (t: Translation, v: string | undefined, token: string) => addOption(t, option, [v], token);

export const BUN_BUILD_FLAGS: readonly FlagSpec[] = [
  // what comes out
  flag("target", "value", "build", { option: "target", apply: applyTarget }),
  flag("format", "value", "build", { option: "format", apply: set("format") }),
  flag("sourcemap", "optional", "build", { option: "sourcemap", apply: (t, v, token) => setOption(t, "sourcemap", v === undefined || v === "" ? "linked" : v, token) }),
  flag("splitting", "none", "build", { option: "splitting", apply: set("splitting", true) }),
  flag("minify", "none", "build", { option: "minify", apply: (t, _v, token) => ["whitespace", "syntax", "identifiers"].forEach((k) => setPart(t, "minify", k, true, token)) }),
  flag("minify-syntax", "none", "build", { option: "minify.syntax", apply: part("minify", "syntax", true) }),
  flag("minify-whitespace", "none", "build", { option: "minify.whitespace", apply: part("minify", "whitespace", true) }),
  flag("minify-identifiers", "none", "build", { option: "minify.identifiers", apply: part("minify", "identifiers", true) }),
  flag("keep-names", "none", "build", { option: "minify.keepNames", apply: part("minify", "keepNames", true) }),
  flag("production", "none", "build", {
    option: "minify + define",
    // measured on Bun 1.4.5: the same bytes as minify: true with this define
    apply: (t, _v, token) => {
      ["whitespace", "syntax", "identifiers"].forEach((k) => setPart(t, "minify", k, true, token));
      setPart(t, "define", "process.env.NODE_ENV", '"production"', token);
    },
  }),
  flag("external", "value", "build", { short: "e", option: "external", apply: list("external") }),
  flag("packages", "value", "build", { option: "packages", apply: set("packages") }),
  flag("define", "value", "bun", { short: "d", option: "define", apply: applyDefine }),
  flag("env", "value", "build", { option: "env", apply: set("env") }),
  flag("conditions", "value", "build", { option: "conditions", apply: list("conditions") }),
  flag("root", "value", "build", { option: "root", apply: set("root") }),
  flag("public-path", "value", "build", { option: "publicPath", apply: set("publicPath") }),
  flag("banner", "value", "build", { option: "banner", apply: set("banner") }),
  flag("footer", "value", "build", { option: "footer", apply: set("footer") }),
  flag("drop", "value", "bun", { option: "drop", apply: list("drop") }),
  flag("feature", "value", "bun", { option: "features", apply: list("features") }),
  flag("loader", "value", "bun", { short: "l", option: "loader", apply: applyLoader }),
  flag("entry-naming", "value", "build", { option: "naming.entry", apply: part("naming", "entry") }),
  flag("chunk-naming", "value", "build", { option: "naming.chunk", apply: part("naming", "chunk") }),
  flag("asset-naming", "value", "build", { option: "naming.asset", apply: part("naming", "asset") }),
  flag("jsx-runtime", "value", "bun", { option: "jsx.runtime", apply: part("jsx", "runtime") }),
  flag("jsx-factory", "value", "bun", { option: "jsx.factory", apply: part("jsx", "factory") }),
  flag("jsx-fragment", "value", "bun", { option: "jsx.fragment", apply: part("jsx", "fragment") }),
  flag("jsx-import-source", "value", "bun", { option: "jsx.importSource", apply: part("jsx", "importSource") }),
  flag("jsx-side-effects", "none", "bun", { option: "jsx.sideEffects", apply: part("jsx", "sideEffects", true) }),
  flag("tsconfig-override", "value", "bun", { option: "tsconfig", apply: set("tsconfig") }),
  flag("ignore-dce-annotations", "none", "bun", { option: "ignoreDCEAnnotations", apply: set("ignoreDCEAnnotations", true) }),
  flag("emit-dce-annotations", "none", "build", { option: "emitDCEAnnotations", apply: set("emitDCEAnnotations", true) }),
  flag("no-deprecated-namespace-object-setters", "none", "build", { option: "deprecatedNamespaceObjectSetters", apply: set("deprecatedNamespaceObjectSetters", false) }),
  flag("allow-unresolved", "value", "build", { option: "allowUnresolved", apply: list("allowUnresolved") }),
  flag("reject-unresolved", "none", "build", { option: "allowUnresolved", apply: (t, _v, token) => setOption(t, "allowUnresolved", [], token) }),
  flag("no-split-require", "none", "build", { option: "splitRequire", apply: set("splitRequire", false) }),
  flag("no-module-preload", "none", "build", { option: "modulePreload", apply: set("modulePreload", false) }),
  flag("min-chunk-size", "value", "build", { option: "minChunkSize", apply: (t, v, token) => setOption(t, "minChunkSize", Number(v), token) }),
  flag("react-fast-refresh", "none", "build", { option: "reactFastRefresh", apply: set("reactFastRefresh", true) }),
  flag("react-compiler", "none", "build", { option: "reactCompiler", apply: set("reactCompiler", true) }),
  flag("check", "none", "build", { option: "check", apply: set("check", true) }),
  flag("bytecode", "none", "build", { option: "bytecode", apply: set("bytecode", true) }),
  flag("bytecode-depth", "value", "build", { option: "bytecodeDepth", apply: (t, v, token) => setOption(t, "bytecodeDepth", Number(v), token) }),
  flag("no-optimize-bytecode", "none", "build", { option: "optimize.bytecode", apply: part("optimize", "bytecode", false) }),
  // the executable (`compile` is assembled from these in translate-command.ts)
  flag("compile", "none", "build", { option: "compile", apply: set("compile", true) }),
  flag("compile-exec-argv", "value", "build", { option: "compile.execArgv", apply: (t, v, token) => setPart(t, "compileOptions", "execArgv", v!.split(/\s+/).filter(Boolean), token) }),
  flag("compile-executable-path", "value", "build", { option: "compile.executablePath", apply: part("compileOptions", "executablePath") }),
  flag("asset", "value", "build", { option: "compile.assets", apply: (t, v, token) => setPart(t, "compileOptions", "assets", [...(((t.options.compileOptions as Record<string, unknown> | undefined)?.assets as string[] | undefined) ?? []), v], token) }),
  flag("bytecode-order", "value", "build", { option: "compile.bytecodeOrder", apply: (t, v, token) => setPart(t, "compileOptions", "bytecodeOrder", v!.split(","), token) }),
  flag("compile-jit-policy", "value", "build", { option: "compile.jitPolicy", apply: (t, v, token) => setPart(t, "compileOptions", "jitPolicy", Number(v), token) }),
  ...(["dotenv", "bunfig", "tsconfig", "package-json"] as const).flatMap((what) => {
    const key = `autoload${what === "package-json" ? "PackageJson" : what[0]!.toUpperCase() + what.slice(1)}`;
    return [
      flag(`compile-autoload-${what}`, "none", "build", { option: `compile.${key}`, apply: part("compileOptions", key, true) }),
      flag(`no-compile-autoload-${what}`, "none", "build", { option: `compile.${key}`, apply: part("compileOptions", key, false) }),
    ];
  }),
  ...(["hide-console", "icon", "title", "publisher", "version", "description", "copyright"] as const).map((what) =>
    flag(`windows-${what}`, what === "hide-console" ? "none" : "value", "build", { reason: `${COMPILE_ONLY} (compile.windows: Windows executables)` }),
  ),
  // bunseal's business, or not for a release
  flag("outdir", "value", "build", { reason: OUT_FOLDER }),
  flag("outfile", "value", "build", {
    option: "compile.outfile (with --compile)",
    // an executable's name is part of what is released; its folder is bunseal's out folder
    // settled once every flag is read (--compile may come after it), in translate-command.ts
    apply: (t, v, token) => setOption(t, "outfile", basename(v!), token),
  }),
  flag("metafile", "optional", "build", { reason: "bunseal records the build's metafile itself (its digest is in the attestation)" }),
  flag("metafile-md", "optional", "build", { reason: "bunseal records the build's metafile itself; the markdown view is not part of a release" }),
  flag("watch", "none", "build", { reason: NOT_FOR_RELEASE }),
  flag("hot", "none", "bun", { reason: NOT_FOR_RELEASE }),
  flag("no-clear-screen", "none", "build", { reason: NOT_FOR_RELEASE }),
  flag("no-bundle", "none", "build", { reason: "transpiles without bundling; bunseal's artifact is a bundle (Bun.build has no such option)" }),
  flag("app", "none", "build", { reason: "Bun Bake (experimental) is not Bun.build; bunseal cannot build it" }),
  flag("css-chunking", "none", "build", { reason: "Bun.build in Bun 1.4.5 has no option for it" }),
  flag("no-macros", "none", "bun", { reason: "Bun.build in Bun 1.4.5 has no option for it; bunseal records the macros a build runs" }),
  flag("env-file", "value", "bun", { reason: "bunseal reads no .env file: the build sees only the variables named in the config's env" }),
  flag("no-env-file", "none", "bun", { reason: "bunseal never loads .env files, so this is already so" }),
  flag("cwd", "value", "bun", { reason: "bunseal builds in the project folder; run bunseal init in the folder the build runs in" }),
  flag("config", "value", "bun", { short: "c", reason: "bunseal reads the project's bunfig.toml (and records it); another bunfig file is not supported" }),
];

const BY_LONG = new Map(BUN_BUILD_FLAGS.map((f) => [f.name, f]));
const BY_SHORT = new Map(BUN_BUILD_FLAGS.filter((f) => f.short).map((f) => [f.short!, f]));

export function flagByLong(name: string): FlagSpec | undefined {
  return BY_LONG.get(name);
}

export function flagByShort(name: string): FlagSpec | undefined {
  return BY_SHORT.get(name);
}

function applyTarget(t: Translation, value: string | undefined, token: string): void {
  // `--compile --target=bun-linux-x64`: a cross-compiled executable of a bun-target bundle
  if (value?.startsWith("bun-")) {
    setPart(t, "compileOptions", "target", value, token);
    setOption(t, "target", "bun", token);
  } else setOption(t, "target", value, token);
}

/** `K:V` or `K=V`, split at the first of the two, as Bun does (`A:"x=y"` and `B="a:b"`). */
function applyDefine(t: Translation, value: string | undefined, token: string): void {
  const at = value!.search(/[:=]/);
  if (at <= 0) return untranslated(t, token, 'expected --define KEY:VALUE or KEY=VALUE; Bun refuses a define without a ":" or "="');
  setPart(t, "define", value!.slice(0, at), value!.slice(at + 1), token);
}

function applyLoader(t: Translation, value: string | undefined, token: string): void {
  const at = value!.indexOf(":");
  if (at <= 0) return untranslated(t, token, "expected --loader .EXT:LOADER");
  const ext = value!.slice(0, at);
  setPart(t, "loader", ext.startsWith(".") ? ext : `.${ext}`, value!.slice(at + 1), token);
}
