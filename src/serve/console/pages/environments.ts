/** What runs where now (service × environment), and one pair's pin timeline. */
import type { EnvironmentMatrix, PinTimeline } from "../../views.ts";
import { getJson, seg } from "../api.ts";
import { badge, h, link, mono, time } from "../dom.ts";
import { artifactPath, shortDigest } from "./common.ts";
import { figuresPath } from "./figures.ts";

const timelinePath = (service: string, env: string) => `/environments/${seg(service)}/${seg(env)}`;

export async function matrixPage(): Promise<Node[]> {
  const m = await getJson<EnvironmentMatrix>("/api/environments");
  if (m.cells.length === 0) return [h("h1", {}, "Environments"), h("p", { class: "muted" }, "Nothing is pinned yet (bunseal pin DIGEST --env ENV).")];
  const cell = new Map(m.cells.map((c) => [`${c.pin.service}\0${c.pin.env}`, c]));
  return [
    h("h1", {}, "Environments"),
    h(
      "table",
      { class: "matrix" },
      h("caption", {}, "What runs now: the newest pin of each service in each environment"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Service"), ...m.envs.map((env) => h("th", { scope: "col" }, env)))),
      h(
        "tbody",
        {},
        ...m.services.map((service) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, service, h("br"), link(figuresPath(service), "runtime figures")),
            ...m.envs.map((env) => {
              const c = cell.get(`${service}\0${env}`);
              if (!c) return h("td", { class: "muted" }, "—");
              // an edited row says nothing about what runs: it is shown as such, never as the artifact it names
              if (!c.matchesSignedPin)
                return h("td", { "data-service": service, "data-env": env, "data-row": "not-signed-pin" }, badge("not its signed pin", "bad"), " ", link(timelinePath(service, env), `pin #${c.pin.sequence}`), h("br"), h("span", {}, c.rowProblems.join("; ")));
              return h(
                "td",
                { "data-service": service, "data-env": env },
                link(artifactPath(c.pin.digest), c.artifact ? c.artifact.name : shortDigest(c.pin.digest)),
                h("br"),
                c.artifact ? mono(c.artifact.commit.slice(0, 12)) : h("span", { class: "bad" }, "not in the store"),
                " ",
                link(timelinePath(service, env), `pin #${c.pin.sequence}`),
                c.pin.rollbackOf ? badge(`rollback of #${c.pin.rollbackOf}`, "warn") : null,
                h("br"),
                h("span", { class: "muted" }, time(c.pin.pinnedAt), " by ", c.pin.actor),
              );
            }),
          ),
        ),
      ),
    ),
  ];
}

export async function timelinePage(service: string, env: string): Promise<Node[]> {
  const t = await getJson<PinTimeline>(`/api/timeline?service=${seg(service)}&env=${seg(env)}`);
  return [
    h("h1", {}, service, " in ", env),
    h("p", {}, link("/environments", "← all environments"), " · ", link(figuresPath(service), `${service}'s runtime figures`)),
    h(
      "ol",
      { class: "timeline", "aria-label": `Pins of ${service} in ${env}, newest first` },
      ...t.entries.map((e) => {
        const change = e.contractChange;
        return h(
          "li",
          { class: [e.current ? "current" : "", e.pin.rollbackOf ? "rollback" : ""].join(" ").trim() || undefined, "data-row": e.matchesSignedPin ? undefined : "not-signed-pin" },
          h("strong", {}, `#${e.pin.sequence}`),
          " ",
          link(artifactPath(e.pin.digest), e.artifact ? e.artifact.name : shortDigest(e.pin.digest)),
          e.current ? badge("running now", "ok") : null,
          e.matchesSignedPin ? null : badge("not its signed pin", "bad"),
          e.pin.rollbackOf ? badge(`rollback of #${e.pin.rollbackOf}`, "warn") : null,
          change?.schemaVersion ? badge(`schemaVersion ${change.schemaVersion[0] ?? "—"} → ${change.schemaVersion[1] ?? "—"}`, "bad") : null,
          change?.telemetryContract ? badge(`telemetry ${change.telemetryContract[0] ?? "—"} → ${change.telemetryContract[1] ?? "—"}`, "bad") : null,
          h("br"),
          h("span", { class: "muted" }, time(e.pin.pinnedAt), " by ", e.pin.actor, ...(e.artifact ? [" · commit ", mono(e.artifact.commit.slice(0, 12))] : [])),
          e.pin.reason ? h("div", {}, "“", e.pin.reason, "”") : null,
          e.matchesSignedPin ? null : h("div", { class: "bad" }, "This row was changed in the store after it was signed: ", e.rowProblems.join("; ")),
        );
      }),
    ),
    ...(t.older > 0 ? [h("p", { class: "muted" }, `${t.older} older pin(s) not shown; bunseal pins --service ${service} --env ${env} lists them all.`)] : []),
  ];
}
