"""The HTML report's stylesheet, inlined into the page (no network fetches)."""

STYLESHEET = """
:root {
  --ink: #1f2933; --muted: #5f6b7a; --line: #e3e7ec; --paper: #ffffff; --wash: #f5f7fa;
  --dead: #d0433b; --warn: #b7791f; --good: #2f855a; --link: #1d5fb4;
}
* { box-sizing: border-box; }
body {
  margin: 0; background: var(--wash); color: var(--ink);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
main { max-width: 1180px; margin: 0 auto; padding: 32px 28px 48px; }
header h1 { margin: 0 0 4px; font-size: 28px; letter-spacing: -0.01em; }
.meta { color: var(--muted); margin: 0; }
a { color: var(--link); }
code, .url {
  font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px;
}
.url { word-break: break-all; }
section { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 20px 24px; margin-top: 24px; }
section > h2 { margin: 0 0 4px; font-size: 20px; }
section > p.lead { margin: 0 0 16px; color: var(--muted); }
.headline { display: grid; grid-template-columns: repeat(3, 1fr); gap: 16px;
  background: none; border: 0; padding: 0; }
.stat { background: var(--paper); border: 1px solid var(--line); border-radius: 10px;
  padding: 18px 22px; border-top: 5px solid var(--muted); }
.stat .number { display: block; font-size: 40px; font-weight: 700; line-height: 1.1; }
.stat .label { color: var(--muted); }
.stat.dead { border-top-color: var(--dead); } .stat.dead .number { color: var(--dead); }
.stat.archived { border-top-color: var(--good); } .stat.archived .number { color: var(--good); }
table { width: 100%; border-collapse: collapse; }
th, td {
  text-align: left; vertical-align: top; padding: 10px 10px; border-top: 1px solid var(--line);
}
table.findings { table-layout: fixed; }
table.findings th:nth-child(1) { width: 32%; } table.findings th:nth-child(2) { width: 26%; }
table.findings th:nth-child(3) { width: 18%; } table.findings th:nth-child(4) { width: 24%; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted);
  border-top: 0; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
td ul { margin: 0; padding-left: 18px; }
.title { color: var(--muted); font-size: 13px; margin-top: 2px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px;
  font-weight: 600; color: #fff; white-space: nowrap; }
.archive { display: inline-block; padding: 4px 10px; border-radius: 6px; background: #e6f4ea;
  color: var(--good); font-weight: 600; text-decoration: none; }
.archive:hover { text-decoration: underline; }
.after { display: block; margin-top: 4px; color: var(--warn); font-size: 13px; }
.none { color: var(--muted); font-style: italic; }
details summary { cursor: pointer; color: var(--link); font-size: 13px; }
details ol { margin: 6px 0 0; padding-left: 20px; font-size: 13px; }
.share { display: flex; align-items: center; gap: 8px; }
.share .track {
  flex: 1; height: 8px; background: var(--wash); border-radius: 4px; min-width: 80px;
}
.share .fill { height: 8px; background: var(--dead); border-radius: 4px; }
.chart { display: block; width: 100%; height: auto; }
.chart .grid { stroke: var(--line); }
.chart .tick { fill: var(--muted); font-size: 12px; }
.chart .run { font-size: 11px; }
.legend { display: flex; flex-wrap: wrap; gap: 14px; margin: 8px 0 0; padding: 0; list-style: none;
  color: var(--muted); font-size: 13px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 3px; margin-right: 6px;
  vertical-align: -1px; }
footer { color: var(--muted); font-size: 13px; margin-top: 24px; text-align: center; }
"""
