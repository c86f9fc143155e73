import { COLOR } from "./palette.ts";

/** The page's only stylesheet, inlined: system fonts, nothing fetched. */
export const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; padding: 20px 24px 40px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1d; background: #fff; min-width: 1250px; }
header { display: flex; align-items: baseline; gap: 16px; flex-wrap: wrap; }
h1 { font-size: 22px; margin: 0; }
h2 { font-size: 15px; margin: 24px 0 8px; }
.badge { display: inline-block; padding: 2px 10px; border-radius: 4px; font-weight: 700; letter-spacing: .04em; color: #fff; }
.badge.pass { background: ${COLOR.effect}; }
.badge.fail { background: ${COLOR.violation}; }
.badge.unknown { background: #6b6b6b; }
.badge.interrupted { background: #7a1f00; }
.interrupted-note { margin: 10px 0 0; padding: 8px 12px; width: 1200px; border-left: 5px solid ${COLOR.violation}; background: #fdebe2; font-size: 15px; }
.zero { margin: 8px 0 0; }
.zero time { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-weight: 600; }
.muted { color: ${COLOR.muted}; }
a { color: #0b5394; }
:target { scroll-margin-top: 56px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 10px 0 0; padding: 0; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: ${COLOR.muted}; }
.facts dd { margin: 0; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.reproduce { margin: 8px 0 0; color: ${COLOR.muted}; }
table.checks { border-collapse: collapse; width: 1200px; }
table.checks th, table.checks td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #e6e6e6; vertical-align: top; }
table.checks th { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: ${COLOR.muted}; }
table.checks td.id { white-space: nowrap; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
td .badge { font-size: 11px; padding: 1px 7px; }
table.checks tr:target td { background: #fff3c4; }
.vlinks { margin-top: 3px; font-size: 12.5px; }
.vlinks .to-mark { text-decoration: none; color: ${COLOR.violation}; }
.judged { margin-top: 2px; font-size: 11.5px; color: ${COLOR.muted}; }
h3 { font-size: 13.5px; margin: 16px 0 6px; }
table.premises { margin-top: 0; }
/* The zoom bar sticks to the top while its plot is on screen, not over the panel below. */
.zoom { position: sticky; top: 0; z-index: 2; display: flex; align-items: center; gap: 6px; width: 1200px; padding: 6px 0; background: #fff; }
.zoom[hidden] { display: none; }
.zoom button { font: inherit; min-width: 34px; padding: 2px 10px; border: 1px solid #bbb; border-radius: 4px; background: #f6f7f9; cursor: pointer; }
.zoom button:hover { background: #e9ecf1; }
.zoom output { margin-left: 8px; font-variant-numeric: tabular-nums; color: #333; }
.zoom .hint { margin-left: auto; color: ${COLOR.muted}; font-size: 12px; }
svg.timeline.zoomable { cursor: grab; user-select: none; -webkit-user-select: none; touch-action: pan-y; }
svg.timeline.dragging { cursor: grabbing; }
svg.timeline a { cursor: pointer; }
section.violations { width: 1200px; }
.vcheck h3 a { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
article.ventry { margin: 0 0 12px; padding: 10px 14px; border: 1px solid #e3e3e3; border-left: 4px solid ${COLOR.violation}; border-radius: 4px; }
article.ventry:target { background: #fff8dc; box-shadow: 0 0 0 3px #f0c419; }
.ventry header { gap: 12px; }
.ventry .vnum { font-weight: 700; color: ${COLOR.violation}; }
.ventry .vcheck-id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
.ventry .when { font-variant-numeric: tabular-nums; }
.ventry .show { margin-left: auto; font-size: 12.5px; }
.ventry .vmsg { margin: 6px 0; }
.vfacts { display: flex; flex-wrap: wrap; gap: 2px 18px; margin: 4px 0 6px; font-size: 12.5px; }
.vfacts div { display: flex; gap: 5px; }
.vfacts dt { color: ${COLOR.muted}; }
.vfacts dd { margin: 0; font-variant-numeric: tabular-nums; word-break: break-word; }
.ventry h4 { font-size: 12px; margin: 8px 0 3px; color: #333; font-weight: 600; }
pre.log-line { margin: 0 0 4px; padding: 6px 8px; background: #f5f5f2; border: 1px solid #e6e6e0; border-radius: 3px; font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; white-space: pre-wrap; word-break: break-all; }
table.lease-rows { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; }
table.lease-rows th, table.lease-rows td { text-align: left; padding: 2px 10px 2px 0; border-bottom: 1px solid #eee; white-space: nowrap; }
table.lease-rows th { color: ${COLOR.muted}; font-weight: 600; }
table.lease-rows tr.here td { color: ${COLOR.violation}; font-weight: 700; }
table.lease-rows tr.next-holder td { background: #eef5fb; }
table.lease-rows tr.elided td { color: ${COLOR.muted}; font-style: italic; }
details { margin-top: 4px; }
details ol { margin: 4px 0 0; padding-left: 22px; }
summary { cursor: pointer; color: ${COLOR.muted}; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; margin: 4px 0 10px; font-size: 12.5px; width: 1200px; }
.legend span { display: inline-flex; align-items: center; gap: 6px; }
.metrics { color: ${COLOR.muted}; font-size: 12.5px; width: 1200px; }
ol.steps { padding-left: 24px; margin: 0; }
ol.steps .when { color: ${COLOR.muted}; font-variant-numeric: tabular-nums; margin-right: 8px; }
svg.timeline { display: block; font-family: system-ui, "DejaVu Sans", sans-serif; }
svg text { font-size: 11px; fill: #333; }
svg .tick { fill: ${COLOR.muted}; font-variant-numeric: tabular-nums; }
svg .axis-title, svg .none { fill: ${COLOR.muted}; font-style: italic; }
svg .grid { stroke: ${COLOR.grid}; stroke-width: 1; }
svg .axis { stroke: #999; }
svg .row-label, svg .group-label { font-weight: 600; font-size: 12px; fill: #222; }
svg .group-label { fill: ${COLOR.muted}; text-transform: uppercase; letter-spacing: .05em; font-size: 11px; }
svg .group-rule { stroke: #cfcfcf; }
svg .lane-bg { fill: #ffffff; }
svg .lane-bg.odd { fill: #f6f7f9; }
svg .lane-label { font-weight: 700; font-size: 13px; fill: #111; }
svg .lane-sub { fill: ${COLOR.muted}; font-size: 11px; }
svg .term-bar { fill: ${COLOR.term}; }
svg .term-tail { fill: url(#hatch-tail); stroke: ${COLOR.termTail}; stroke-width: 1; }
svg .renewals { stroke: #ffffff; stroke-width: 1; opacity: .8; }
svg .term-label { fill: #ffffff; font-weight: 700; font-size: 11px; pointer-events: none; }
svg .term-label.outside { fill: ${COLOR.term}; }
svg .local-expiry rect { fill: url(#hatch-expiry); stroke: ${COLOR.localExpiry}; stroke-width: 1; }
svg .batch { stroke: ${COLOR.batch}; stroke-width: 1.2; }
svg .effect { stroke: ${COLOR.effect}; stroke-width: 1.2; }
svg .effect.rejected path { stroke: ${COLOR.rejected}; stroke-width: 2.2; fill: none; }
svg .process rect, svg .process path, svg .process circle { fill: ${COLOR.process}; stroke: ${COLOR.process}; stroke-width: 1; }
svg .process .hollow { fill: #fff; }
svg .process .bad { fill: ${COLOR.violation}; stroke: ${COLOR.violation}; }
svg .process .kill { stroke: ${COLOR.violation}; stroke-width: 2.4; fill: none; }
svg .paused { stroke: ${COLOR.process}; stroke-width: 1.2; stroke-dasharray: 2 3; }
svg .violation line { stroke: ${COLOR.violation}; stroke-width: 2; }
svg .violation path { fill: ${COLOR.violation}; stroke: #fff; stroke-width: 1.5; }
svg .violation text { fill: #fff; font-weight: 800; font-size: 12px; pointer-events: none; }
svg .violation text.violation-label { fill: ${COLOR.violation}; font-weight: 700; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .fault-shade { fill: ${COLOR.fault}; opacity: .32; }
svg .fault-bar { fill: ${COLOR.fault}; stroke: ${COLOR.faultEdge}; stroke-width: 1; }
svg .fault-bar.unverified { fill: #fffbe0; stroke-dasharray: 4 3; }
svg .fault text { font-size: 11px; fill: #1d1d1d; }
svg .step-span { stroke: #b9b9b9; stroke-width: 2; }
svg .step circle { fill: #fff; stroke: #555; stroke-width: 1.2; }
svg .step text { font-size: 9.5px; font-weight: 700; fill: #333; }
svg .step text.step-name { font-size: 11px; font-weight: 500; fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg .violation-span .span-bar { fill: url(#hatch-violation); stroke: ${COLOR.violation}; stroke-width: 1; opacity: .85; }
svg .violation-span .span-edge { stroke: ${COLOR.violation}; stroke-width: 1.5; stroke-dasharray: 3 2; }
svg .violation-span text.span-label { fill: ${COLOR.violation}; font-weight: 700; font-size: 11px; paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
svg a.violation-link { pointer-events: bounding-box; }
svg a.violation-link:focus { outline: none; }
svg a.violation-link:focus path, svg a.violation-link:target path, svg a.violation-link:hover path { stroke: #111; stroke-width: 2.5; }
svg .run-mark line { stroke: #555; stroke-width: 1; stroke-dasharray: 5 4; }
svg .run-mark text { fill: #555; font-size: 10.5px; }
svg .chart-frame { fill: none; stroke: #d5d5d5; }
svg .series { fill: none; stroke-width: 1.8; }
svg .series-area { opacity: .14; }
`;
