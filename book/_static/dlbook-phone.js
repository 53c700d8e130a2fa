/* 《动手玩深度学习》：让 plotly 图适合窄屏（手机约 390 px 宽）。由 _config.yml 的 html_js_files 加载，完全离线。
 *
 * 1. 布局里写死了比容器还宽的 width 时，缩到容器的宽度（屏幕变宽时最多恢复到原来的宽度）；
 * 2. 标题比图还宽时，在合适的位置插入 <br> 换行，并把上边距加高相应的行数，标题下面的东西随之下移；
 *    图变宽（手机转成横屏）时恢复原来的标题与上边距。菜单或滑块改了标题（relayout）后重新检查。
 * 每张图的原始标题与上边距记在 gd._dlbookFit 里。plotly ≥ 6 会把数组存成类型化数组（bdata），本脚本不读数组数据。
 */
(function () {
  "use strict";

  var TOKEN = /<[^>]+>|[A-Za-z0-9_.,:;!?'"()\[\]{}+\-*\/=%$^~|&#@]+|\s+|[\s\S]/g;

  var CLOSING = /^[，。、；：！？）」』】》〉,.;:!?)\]}%]/;

  function isWide(token) {
    return /[\u2e80-\u9fff\u3000-\u303f\uf900-\ufaff\uff00-\uffef]/.test(token);
  }

  /* 一段标题文字的“宽度单位”：汉字与全角标点算 1，其余字符算 0.55，HTML 标签不占宽度。 */
  function units(token) {
    if (token.charAt(0) === "<") return 0;
    if (isWide(token)) return token.length;
    return token.length * 0.55;
  }

  /* 把标题按每行最多 maxUnits 个单位折成几行；已有的 <br> 保留；不在英文单词或 HTML 标签中间断开。 */
  function wrapTitle(text, maxUnits) {
    var lines = [];
    String(text).split(/<br\s*\/?>/i).forEach(function (part) {
      var line = "", used = 0;
      (part.match(TOKEN) || []).forEach(function (token) {
        var u = units(token);
        /* 逗号、句号、右括号这类标点不放在行首（跟在上一行末尾，即使稍微超出一点）。 */
        if (used > 0 && used + u > maxUnits && !/^\s+$/.test(token) && !CLOSING.test(token)) {
          lines.push(line.replace(/\s+$/, ""));
          line = "";
          used = 0;
        }
        if (used === 0 && /^\s+$/.test(token)) return;
        line += token;
        used += u;
      });
      lines.push(line);
    });
    return lines;
  }

  function titleText(layout) {
    var t = layout && layout.title;
    if (t === undefined || t === null) return "";
    return typeof t === "string" ? t : t.text || "";
  }

  /* 布局里写死的宽度不超过容器：记下作者写的宽度，取它与容器宽度中较小的一个（屏幕变宽时也能恢复）。 */
  function fitWidth(gd, update) {
    if (gd._dlbookWidth === undefined) gd._dlbookWidth = (gd.layout && gd.layout.width) || null;
    var container = gd.parentElement ? Math.floor(gd.parentElement.getBoundingClientRect().width) : 0;
    if (!gd._dlbookWidth || container <= 0) return;
    var target = Math.min(gd._dlbookWidth, container);
    if (gd.layout.width !== target) update.width = target;
  }

  /* 多行标题中最长一行的宽度单位。 */
  function lineUnits(text) {
    return wrapTitle(text, Infinity).reduce(function (widest, line) {
      var u = (line.match(TOKEN) || []).reduce(function (sum, token) { return sum + units(token); }, 0);
      return Math.max(widest, u);
    }, 0);
  }

  /* 标题可用的宽度：取决于标题的位置 title.x 与对齐方式 xanchor（auto 时按 x 落在左、中、右三分之一决定）。 */
  function titleRoom(full) {
    var title = full.title || {};
    var x = typeof title.x === "number" ? title.x : 0.5;
    var px = title.xref === "paper" ? full.margin.l + x * (full.width - full.margin.l - full.margin.r) : x * full.width;
    var anchor = title.xanchor && title.xanchor !== "auto" ? title.xanchor : x < 1 / 3 ? "left" : x > 2 / 3 ? "right" : "center";
    var edge = 8;
    if (anchor === "left") return full.width - px - edge;
    if (anchor === "right") return px - edge;
    return 2 * Math.min(px, full.width - px) - 2 * edge;
  }

  function fitTitle(gd, update) {
    var full = gd._fullLayout;
    var state = gd._dlbookFit;
    var current = titleText(gd.layout);
    if (!state || (current !== state.wrapped && current !== state.original)) {
      /* 第一次，或菜单/滑块换了一个新标题：以它为原始标题；上边距仍以最初的为准。 */
      var baseTop = state ? state.marginTop : full.margin.t;
      state = gd._dlbookFit = { original: current, wrapped: current, marginTop: baseTop, extra: state ? state.extra : 0 };
    }
    var node = gd.querySelector(".gtitle");
    if (!state.original || !node || lineUnits(current) === 0) return;
    /* 由画出来的标题（可能已折行）得到每个宽度单位多少像素，再估计原始标题排成一行有多宽。 */
    var perUnit = node.getBBox().width / lineUnits(current);
    var available = titleRoom(full);
    var lines = wrapTitle(state.original, Infinity);
    if (perUnit > 0 && perUnit * lineUnits(state.original) > available) {
      lines = wrapTitle(state.original, Math.max(4, Math.floor(available / perUnit)));
    }
    var wrapped = lines.join("<br>");
    var extra = Math.max(0, lines.length - wrapTitle(state.original, Infinity).length);
    var size = (full.title && full.title.font && full.title.font.size) || 16;
    if (wrapped !== current) update["title.text"] = wrapped;
    if (extra !== state.extra) update["margin.t"] = state.marginTop + Math.ceil(extra * size * 1.3);
    state.wrapped = wrapped;
    state.extra = extra;
  }

  function fit(gd) {
    if (!window.Plotly || !gd._fullLayout || gd._dlbookBusy) return;
    var update = {};
    fitWidth(gd, update);
    fitTitle(gd, update);
    if (Object.keys(update).length === 0) return;
    gd._dlbookBusy = true;
    var done = function () { gd._dlbookBusy = false; };
    try {
      Promise.resolve(window.Plotly.relayout(gd, update)).then(done, done);
    } catch (err) {
      done();
      if (window.console) window.console.warn("dlbook-phone.js：调整图的布局失败", err);
    }
  }

  function watch(gd) {
    if (gd._dlbookWatched || !gd.on) return false;
    gd._dlbookWatched = true;
    /* 每次重画之后（包括菜单、滑块引起的 relayout）再检查一次；放到下一轮事件循环，不在 plotly 的重画过程中改布局。 */
    gd.on("plotly_afterplot", function () { window.setTimeout(function () { fit(gd); }, 0); });
    fit(gd);
    return true;
  }

  function watchAll() {
    var pending = 0;
    document.querySelectorAll(".plotly-graph-div").forEach(function (gd) {
      if (!gd._fullLayout) pending += 1;
      else watch(gd);
    });
    return pending;
  }

  function start() {
    var tries = 0;
    (function poll() {
      if (watchAll() > 0 && tries++ < 100) window.setTimeout(poll, 100);
    })();
    var timer = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        document.querySelectorAll(".plotly-graph-div").forEach(fit);
      }, 150);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
