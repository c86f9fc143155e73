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
svg .run-mark line { stroke: #555; stroke-width: 1; stroke-dasharray: 5 4; }
svg .run-mark text { fill: #555; font-size: 10.5px; }
svg .chart-frame { fill: none; stroke: #d5d5d5; }
svg .series { fill: none; stroke-width: 1.8; }
svg .series-area { opacity: .14; }
`;
