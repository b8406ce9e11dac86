/** A record's sandbox in one line, the same in verify, inspect, trace and the job summaries. */
export interface SandboxView {
  kind: string;
  network: boolean | null;
  reads: string | null;
  reason?: string;
}

export function sandboxText(sandbox: SandboxView): string {
  const network = sandbox.network === null ? "network not recorded" : `network ${sandbox.network ? "on" : "off"}`;
  return `${sandbox.kind}${sandbox.reason ? ` (${sandbox.reason})` : ""}, ${network}, reads ${sandbox.reads ?? "not recorded"}`;
}
