/**
 * The order `bunseal build --workspace` builds a workspace's packages in: a
 * package after every workspace package it depends on (through its
 * package.json dependencies), ties broken by folder so that the order is the
 * same on every machine. Pure: the plan is made and tested without a disk.
 */
import { BunsealError } from "../errors.ts";

export interface MemberNode {
  /** the folder relative to the workspace root, POSIX */
  dir: string;
  /** the package.json name, when it has one */
  name?: string;
  /** every dependency name in its package.json (all groups); names that are not workspace packages are ignored */
  dependencies: readonly string[];
}

/** Every member, dependencies first. A cycle has no such order and is refused, naming it. */
export function buildOrder(members: readonly MemberNode[], file = "package.json"): string[] {
  const byName = new Map(members.filter((m) => m.name !== undefined).map((m) => [m.name!, m.dir]));
  const needs = new Map(members.map((m) => [m.dir, [...new Set(m.dependencies.flatMap((d) => (byName.has(d) && byName.get(d) !== m.dir ? [byName.get(d)!] : [])))].sort(compare)]));
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (dir: string, path: string[]) => {
    if (state.get(dir) === "done") return;
    if (state.get(dir) === "visiting") {
      const cycle = [...path.slice(path.indexOf(dir)), dir].join(" → ");
      throw new BunsealError("WORKSPACE_INVALID", `${file}: workspaces: expected packages whose dependencies on each other have an order, got a cycle: ${cycle}`, { file, field: "workspaces", expected: "no dependency cycle", found: cycle });
    }
    state.set(dir, "visiting");
    for (const dep of needs.get(dir) ?? []) visit(dep, [...path, dir]);
    state.set(dir, "done");
    order.push(dir);
  };
  for (const dir of [...needs.keys()].sort(compare)) visit(dir, []);
  return order;
}

// Code-unit order, not localeCompare: the same on every machine.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
