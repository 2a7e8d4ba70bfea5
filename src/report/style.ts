/** The stylesheet of report.html. */
export const PAGE_STYLE = `
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb; display: flex; flex-direction: column; overflow: hidden; }
/* the title and what is new side by side (one above the other in a narrow window), the notes under both across the page */
header { flex: none; padding: 10px 16px; border-bottom: 1px solid #e5e7eb; background: #fff; display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
#about { flex: 1 1 360px; min-width: 0; }
#notice, #sample, #fallback { flex: 1 1 100%; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 2px 0 0; color: #4b5563; }
#sample { margin: 6px 0 0; padding: 6px 10px; background: #eff6ff; border: 1px solid #93c5fd; border-radius: 4px; color: #1e3a8a; }
#news { flex: 1 1 360px; min-width: 0; max-height: 22vh; overflow-y: auto; font-size: 13px; color: #374151; }
#news p { margin: 0; color: #374151; }
#news h2 { font-size: 12px; margin: 6px 0 0; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
#news ul { margin: 2px 0; padding-left: 18px; }
#news .paper.lead { font-weight: 600; }
#news .paper.link { color: #1d4ed8; cursor: pointer; }
#news .paper.link:hover { text-decoration: underline; }
#news .more { color: #6b7280; list-style: none; }
.off-map { color: #4b5563; }
#notice, #fallback { margin: 6px 0 0; padding: 6px 10px; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 4px; color: #78350f; }
main { flex: 1 1 auto; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr) 420px; }
#mapcell { display: flex; flex-direction: column; min-width: 0; min-height: 0; background: #fff; }
#toolbar { flex: none; display: flex; gap: 8px; align-items: center; padding: 4px 8px; border-bottom: 1px solid #e5e7eb; font-size: 13px; }
#toolbar button, #toolbar select { font: inherit; padding: 2px 8px; border: 1px solid #d1d5db; border-radius: 4px; background: #fff; cursor: pointer; }
#toolbar button.active { background: #fee2e2; border-color: #b91c1c; }
#stage { position: relative; flex: 1 1 auto; min-height: 0; }
#map, #overlay { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
#map { cursor: crosshair; background: #fff; touch-action: none; }
#overlay { pointer-events: none; }
#legend { flex: none; max-height: 25%; overflow-y: auto; display: flex; flex-direction: column; gap: 2px 10px; padding: 6px 10px; border-top: 1px solid #e5e7eb; font-size: 12px; }
.chip { all: unset; cursor: pointer; display: inline-flex; align-items: center; gap: 1px; padding: 0 4px; border-radius: 3px; }
.chip span:last-child { margin-left: 4px; }
.chip:hover { text-decoration: underline; }
.chip.active { background: #e0e7ff; }
.legend-group { display: flex; flex-wrap: wrap; gap: 0 6px; align-items: center; width: 100%; }
.chip.broad { font-weight: 600; }
.topic-description { color: #374151; font-style: italic; }
#details { border-bottom: 1px solid #e5e7eb; padding-bottom: 6px; }
aside { overflow-y: auto; border-left: 1px solid #e5e7eb; padding: 10px 14px; background: #fff; }
aside h2 { font-size: 16px; margin: 6px 0; }
aside h3 { font-size: 13px; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
#search { width: 100%; padding: 6px 8px; font-size: 14px; border: 1px solid #d1d5db; border-radius: 4px; }
ul, ol { margin: 4px 0; padding-left: 20px; }
#topics, #matches { list-style: none; padding: 0; }
#matches { max-height: 40vh; overflow-y: auto; }
#topics ul { list-style: none; padding-left: 16px; margin: 0 0 4px; }
button.link, button.topic { all: unset; cursor: pointer; }
button.link { color: #1d4ed8; }
button.link:hover, button.topic:hover { text-decoration: underline; }
button.topic { display: flex; gap: 6px; align-items: baseline; padding: 1px 4px; border-radius: 3px; }
button.topic.broad { font-weight: 600; }
button.topic.active { background: #e0e7ff; }
svg.spark { flex: none; align-self: center; fill: #6b7280; }
button.topic svg.spark { margin-left: auto; }
#news svg.spark { vertical-align: middle; fill: #4b5563; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; flex: none; }
.swatch.ring { background: none; border: 1.5px solid #9ca3af; }
.score, .hint, .meta, .projection { color: #6b7280; }
ol.weak button.link { color: #9ca3af; }
ol.weak .score { color: #b45309; }
h3.weak-heading { color: #9ca3af; }
.abstract { white-space: pre-wrap; }
#library-panel { margin: 8px 0; padding: 6px 8px; border: 1px solid #e5e7eb; border-radius: 4px; }
#library-panel > summary { cursor: pointer; font-weight: 600; }
#library-panel.dropping { border: 2px dashed #1d4ed8; background: #eff6ff; }
#library-text { width: 100%; font: 12px/1.4 ui-monospace, monospace; border: 1px solid #d1d5db; border-radius: 4px; padding: 4px 6px; resize: vertical; }
#library-controls { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
#library-controls input[type=file] { max-width: 100%; font-size: 12px; }
#library-top { width: 4.5em; }
#library-status.error { color: #b91c1c; }
#library-results li { margin: 4px 0; }
#library-results ul.because { margin: 0 0 2px; padding-left: 14px; font-size: 12px; list-style: '· '; }
#tooltip { position: fixed; pointer-events: none; max-width: 420px; padding: 4px 8px; background: #111827; color: #fff; border-radius: 4px; font-size: 13px; }
`;
