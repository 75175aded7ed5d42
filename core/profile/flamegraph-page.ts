/**
 * The style and script of the flame graph page: plain DOM, no libraries, no
 * network. The script reads the tree from the `flame-data` JSON block and
 * draws one absolutely positioned box per frame (root at the bottom); a click
 * zooms into a frame, Reset (or Escape, or a click on `all`) zooms out, the
 * search box highlights frames whose name matches (a regular expression,
 * case-insensitive, or plain text when it is not a valid one).
 */

/** The page's CSS. */
export const FLAME_CSS = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 0; padding: 8px 12px; color: #222; background: #fff; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; margin-bottom: 8px; }
h1 { font-size: 16px; margin: 0 12px 0 0; }
#status, #matched { color: #555; }
#chart { position: relative; width: 100%; overflow: hidden; }
.frame { position: absolute; height: 15px; box-sizing: border-box; padding: 0 3px; overflow: hidden;
  white-space: nowrap; text-overflow: ellipsis; border-right: 1px solid #fff; border-bottom: 1px solid #fff;
  font: 11px/15px ui-monospace, monospace; color: #111; cursor: pointer; }
.frame:hover { outline: 1px solid #333; z-index: 1; }
.frame.ancestor { opacity: 0.6; }
.frame.match { background: #e03cdc !important; color: #fff; }
#tooltip { position: fixed; display: none; pointer-events: none; z-index: 2; max-width: 640px; padding: 4px 6px;
  background: #fffbe6; border: 1px solid #999; word-break: break-all; white-space: pre-wrap; }
`;

/** The page's script (runs once the body is parsed). */
export const FLAME_SCRIPT = `
(function () {
  'use strict';
  var ROW = 16;
  var MIN_WIDTH = 0.0005;
  var data = JSON.parse(document.getElementById('flame-data').textContent);
  var root = data.root;
  var unit = data.unit;
  var chart = document.getElementById('chart');
  var tooltip = document.getElementById('tooltip');
  var search = document.getElementById('search');
  var matchedText = document.getElementById('matched');
  var statusText = document.getElementById('status');
  var maxDepth = 0;
  var zoomed = root;
  var pattern = null;

  (function link(node, parent, depth) {
    node.p = parent;
    node.d = depth;
    if (depth > maxDepth) maxDepth = depth;
    (node.c || []).forEach(function (child) { link(child, node, depth + 1); });
  })(root, null, 0);

  function hash(name) {
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
    return h;
  }

  function color(node) {
    var h = hash(node.n);
    switch (node.k) {
      case 0: return 'hsl(' + (h % 50) + ',85%,' + (58 + (h >>> 8) % 14) + '%)';
      case 1: return 'hsl(' + (24 + h % 14) + ',70%,' + (48 + (h >>> 8) % 12) + '%)';
      case 2: return 'hsl(' + (95 + h % 40) + ',55%,' + (52 + (h >>> 8) % 14) + '%)';
      case 3: return 'hsl(0,0%,' + (70 + h % 12) + '%)';
      default: return 'hsl(210,15%,' + (80 + h % 8) + '%)';
    }
  }

  function scaled(value, steps) {
    var i = 0;
    while (i < steps.length - 1 && Math.abs(value) >= steps[i + 1][0]) i++;
    var text = i === 0 ? value.toLocaleString('en-US') : (value / steps[i][0]).toFixed(2);
    return text + ' ' + steps[i][1];
  }

  function format(value) {
    if (unit === 'bytes') return scaled(value, [[1, 'B'], [1024, 'KiB'], [1048576, 'MiB'], [1073741824, 'GiB']]);
    if (unit === 'nanoseconds') return scaled(value, [[1, 'ns'], [1e3, 'us'], [1e6, 'ms'], [1e9, 's']]);
    if (unit === 'count' && data.type) return value.toLocaleString('en-US') + ' ' + data.type;
    return value.toLocaleString('en-US') + (unit ? ' ' + unit : '');
  }

  function percent(value, of) {
    return of > 0 ? (100 * value / of).toFixed(2) + '%' : '0%';
  }

  function matches(node) {
    return pattern !== null && pattern.test(node.n);
  }

  function box(node, x, width, ancestor) {
    var el = document.createElement('div');
    el.className = 'frame' + (ancestor ? ' ancestor' : '') + (matches(node) ? ' match' : '');
    el.style.left = (x * 100) + '%';
    el.style.width = (width * 100) + '%';
    el.style.top = ((maxDepth - node.d) * ROW) + 'px';
    el.style.background = color(node);
    el.textContent = node.n;
    el.flameNode = node;
    return el;
  }

  function render() {
    var fragment = document.createDocumentFragment();
    for (var a = zoomed.p; a; a = a.p) fragment.appendChild(box(a, 0, 1, true));
    var drawn = 0;
    (function draw(node, x, width) {
      fragment.appendChild(box(node, x, width, false));
      drawn++;
      var childX = x;
      (node.c || []).forEach(function (child) {
        var childWidth = width * child.v / node.v;
        if (childWidth >= MIN_WIDTH) draw(child, childX, childWidth);
        childX += childWidth;
      });
    })(zoomed, 0, 1);
    chart.textContent = '';
    chart.style.height = ((maxDepth + 1) * ROW) + 'px';
    chart.appendChild(fragment);
    statusText.textContent = zoomed === root
      ? format(root.v) + ' in ' + drawn + ' frames'
      : 'Zoomed into ' + zoomed.n + ': ' + format(zoomed.v) + ' (' + percent(zoomed.v, root.v) + ')';
    showMatched();
  }

  function showMatched() {
    if (pattern === null) { matchedText.textContent = ''; return; }
    var total = 0;
    (function sum(node) {
      if (matches(node)) { total += node.v; return; }
      (node.c || []).forEach(sum);
    })(root);
    matchedText.textContent = 'Matched: ' + format(total) + ' (' + percent(total, root.v) + ')';
  }

  function zoom(node) {
    zoomed = node;
    render();
  }

  chart.addEventListener('click', function (event) {
    var node = event.target.flameNode;
    if (node) zoom(node === zoomed && node.p ? node.p : node);
  });
  chart.addEventListener('mousemove', function (event) {
    var node = event.target.flameNode;
    if (!node) { tooltip.style.display = 'none'; return; }
    tooltip.textContent = node.n + '\\n' + format(node.v) + ' (' + percent(node.v, root.v) + ' of all'
      + (zoomed !== root ? ', ' + percent(node.v, zoomed.v) + ' of the zoomed frame' : '') + ')';
    tooltip.style.display = 'block';
    var x = Math.min(event.clientX + 12, window.innerWidth - tooltip.offsetWidth - 4);
    tooltip.style.left = Math.max(0, x) + 'px';
    tooltip.style.top = (event.clientY + 14) + 'px';
  });
  chart.addEventListener('mouseleave', function () { tooltip.style.display = 'none'; });
  document.getElementById('reset').addEventListener('click', function () { zoom(root); });
  document.addEventListener('keydown', function (event) {
    if (event.key === 'Escape') zoom(root);
  });
  search.addEventListener('input', function () {
    var term = search.value;
    if (term === '') pattern = null;
    else {
      try { pattern = new RegExp(term, 'i'); }
      catch (e) { pattern = new RegExp(term.replace(/[.*+?^$()|[\\]{}\\\\]/g, '\\\\$&'), 'i'); }
    }
    render();
  });
  render();
})();
`;
