/* 《动手玩深度学习》：优化器轨迹的实时探索器，在浏览器里计算（见“优化器”一章的“优化器轨迹探索器”一节）。
 *
 * 计算部分与 Python 参考实现 dlbook.optim2d 逐式对应：同样的七种更新规则（与 torch.optim 相同）、同样的曲面、
 * 同样的随机数发生器（mulberry32 + Box–Muller）与同样的截断规则。构建时由参考实现写出 _static/optim-vectors.json，
 * 浏览器测试用它逐点核对 DlbookOptim.run。
 *
 * 页面部分：把 <div data-dlbook-optim> 变成探索器（控件 + plotly 图）。点击或拖动等高线图设起点；设置记在地址的
 * # 之后（#optim?s=bowl&lr=0.05&…），打开这样的链接就恢复同样的设置。只用书自带的 plotly.js，不访问外网。
 */
(function () {
  "use strict";

  var NAMES = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"];
  var LABELS = {
    sgd: "SGD", momentum: "Momentum", nesterov: "Nesterov", adagrad: "AdaGrad",
    rmsprop: "RMSProp", adam: "Adam", adamw: "AdamW"
  };
  var COLORS = {
    sgd: "#444444", momentum: "#1f77b4", nesterov: "#17becf", adagrad: "#2ca02c",
    rmsprop: "#9467bd", adam: "#d62728", adamw: "#ff7f0e"
  };
  var SURFACES = {
    bowl: { label: "狭长的碗", box: [-3, 3, -2, 2], start: [-2.5, 1.0], lr: 0.1 },
    saddle: { label: "鞍点", box: [-2.5, 2.5, -2, 2], start: [-2.0, 0.01], lr: 0.05 },
    valley: { label: "弯曲的山谷", box: [-2.5, 2.5, -1, 3], start: [-1.5, 2.0], lr: 0.03 }
  };

  /* ------------------------------------------------------------ 计算（与 dlbook.optim2d 一致） */

  /* mulberry32：每次调用给出 [0, 1) 中的下一个数，全部是 32 位无符号整数运算。 */
  function mulberry32(seed) {
    var a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      var t = Math.imul(a ^ (a >>> 15), a | 1);
      t = (t + Math.imul(t ^ (t >>> 7), t | 61)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  /* count 对标准正态数（Box–Muller），依次放在长 2·count 的数组里。 */
  function gaussianPairs(seed, count) {
    var draw = mulberry32(seed), out = new Float64Array(2 * count);
    for (var i = 0; i < count; i++) {
      var u1 = 1.0 - draw(), u2 = draw();
      var r = Math.sqrt(-2.0 * Math.log(u1));
      out[2 * i] = r * Math.cos(2.0 * Math.PI * u2);
      out[2 * i + 1] = r * Math.sin(2.0 * Math.PI * u2);
    }
    return out;
  }

  function bowl(kappa, angle) {
    var rad = angle * (Math.PI / 180), c = Math.cos(rad), s = Math.sin(rad);
    return {
      loss: function (x, y) {
        var u = c * x + s * y, v = -s * x + c * y;
        return 0.5 * (u * u + kappa * (v * v));
      },
      grad: function (x, y) {
        var u = c * x + s * y, v = -s * x + c * y;
        return [c * u - s * kappa * v, s * u + c * kappa * v];
      }
    };
  }

  var SADDLE = {
    loss: function (x, y) { return 0.5 * (x * x) + 0.25 * Math.pow(y, 4) - 0.5 * (y * y) + 0.25; },
    grad: function (x, y) { return [x, Math.pow(y, 3) - y]; }
  };
  var VALLEY = {
    loss: function (x, y) { var a = 1 - x, b = y - x * x; return 0.5 * (a * a) + 2.5 * (b * b); },
    grad: function (x, y) { return [-(1 - x) - 10.0 * x * (y - x * x), 5.0 * (y - x * x)]; }
  };

  /* 曲面：loss、grad，加上画框、默认起点与学习率；κ 与旋转角只对碗起作用。 */
  function makeSurface(name, kappa, angle) {
    var spec = Object.prototype.hasOwnProperty.call(SURFACES, name) ? SURFACES[name] : null;
    if (!spec) throw new Error("未知的曲面 " + name);
    var f = name === "bowl" ? bowl(kappa, angle) : name === "saddle" ? SADDLE : VALLEY;
    return { loss: f.loss, grad: f.grad, box: spec.box, start: spec.start, lr: spec.lr, label: spec.label };
  }

  function adamStep(th, g, t, st, h) {
    var bias1 = 1 - Math.pow(h.beta1, t), bias2 = 1 - Math.pow(h.beta2, t), out = [0, 0];
    for (var i = 0; i < 2; i++) {
      st.m[i] = h.beta1 * st.m[i] + (1 - h.beta1) * g[i];
      st.v[i] = h.beta2 * st.v[i] + (1 - h.beta2) * g[i] * g[i];
      out[i] = th[i] - (h.lr / bias1) * st.m[i] / (Math.sqrt(st.v[i]) / Math.sqrt(bias2) + 1e-8);
    }
    return out;
  }

  /* 一种优化器的第 t 步（与 torch.optim 相同的公式）；st.m 是速度或一阶矩，st.v 是二阶量，就地更新。 */
  function optimizerStep(name, th, g, t, st, h) {
    var i, out = [0, 0];
    if (name === "adamw") {
      var decay = 1 - h.lr * h.weight_decay;
      return adamStep([th[0] * decay, th[1] * decay], g, t, st, h);
    }
    g = [g[0] + h.weight_decay * th[0], g[1] + h.weight_decay * th[1]];
    for (i = 0; i < 2; i++) {
      if (name === "sgd") {
        out[i] = th[i] - h.lr * g[i];
      } else if (name === "momentum" || name === "nesterov") {
        st.m[i] = h.momentum * st.m[i] + g[i];
        out[i] = th[i] - h.lr * (name === "nesterov" ? g[i] + h.momentum * st.m[i] : st.m[i]);
      } else if (name === "adagrad") {
        st.v[i] = st.v[i] + g[i] * g[i];
        out[i] = th[i] - h.lr * g[i] / (Math.sqrt(st.v[i]) + 1e-10);
      } else if (name === "rmsprop") {
        st.v[i] = h.alpha * st.v[i] + (1 - h.alpha) * g[i] * g[i];
        out[i] = th[i] - h.lr * g[i] / (Math.sqrt(st.v[i]) + 1e-8);
      }
    }
    return name === "adam" ? adamStep(th, g, t, st, h) : out;
  }

  /* 截断到第一次走出画框之前，补上与边框的交点；返回 {points, exitStep}（没有走出画框时 exitStep 为 null）。 */
  function clipToBox(points, box, blewUp) {
    var k = -1;
    for (var j = 0; j < points.length; j++) {
      var p = points[j];
      if (!(p[0] >= box[0] && p[0] <= box[1] && p[1] >= box[2] && p[1] <= box[3])) { k = j; break; }
    }
    if (k < 0) return { points: points, exitStep: blewUp ? points.length : null };
    if (k === 0) return { points: [], exitStep: 0 };
    var a = points[k - 1], b = points[k], d = [b[0] - a[0], b[1] - a[1]], s = 1.0;
    [[box[0], box[1], 0], [box[2], box[3], 1]].forEach(function (lim) {
      var i = lim[2];
      if (d[i] > 0) s = Math.min(s, (lim[1] - a[i]) / d[i]);
      else if (d[i] < 0) s = Math.min(s, (lim[0] - a[i]) / d[i]);
    });
    return { points: points.slice(0, k).concat([[a[0] + s * d[0], a[1] + s * d[1]]]), exitStep: k };
  }

  function withDefaults(o) {
    var d = {
      surface: "bowl", kappa: 10, angle: 0, lr: 0.05, momentum: 0.9, beta1: 0.9, beta2: 0.999, alpha: 0.99,
      weight_decay: 0, noise: 0, seed: 0, steps: 60, start: null, limit: 1e8
    };
    Object.keys(o || {}).forEach(function (k) { if (o[k] !== undefined) d[k] = o[k]; });
    return d;
  }

  /* 从起点走 steps 步（梯度加噪声 σ·z），返回 {points, blewUp}。 */
  function rawSteps(name, grad, start, o) {
    var th = [start[0], start[1]], st = { m: [0, 0], v: [0, 0] }, points = [th];
    var z = o.noise ? gaussianPairs(o.seed, o.steps) : null;
    for (var t = 1; t <= o.steps; t++) {
      var g = grad(th[0], th[1]);
      if (z) g = [g[0] + o.noise * z[2 * t - 2], g[1] + o.noise * z[2 * t - 1]];
      th = optimizerStep(name, th, g, t, st, o);
      if (!isFinite(th[0]) || !isFinite(th[1]) || Math.max(Math.abs(th[0]), Math.abs(th[1])) > o.limit) {
        return { points: points, blewUp: true };
      }
      points.push(th);
    }
    return { points: points, blewUp: false };
  }

  /* 一种优化器的轨迹：{x, y, loss, diverged, exitStep}，与 Python 的 dlbook.optim2d.run_path 逐点一致。 */
  function run(options) {
    var o = withDefaults(options);
    if (NAMES.indexOf(o.optimizer) < 0) throw new Error("未知的优化器 " + o.optimizer);
    o.steps = Math.round(o.steps);
    var spec = makeSurface(o.surface, o.kappa, o.angle);
    var start = o.start || spec.start;
    var raw = rawSteps(o.optimizer, spec.grad, start, o);
    var clipped = clipToBox(raw.points, spec.box, raw.blewUp);
    var pts = clipped.points;
    return {
      x: pts.map(function (p) { return p[0]; }),
      y: pts.map(function (p) { return p[1]; }),
      loss: pts.map(function (p) { return spec.loss(p[0], p[1]); }),
      diverged: clipped.exitStep !== null,
      exitStep: clipped.exitStep
    };
  }

  /* ------------------------------------------------------------ 页面：设置、链接与控件 */

  var DEFAULTS = {
    s: "bowl", o: ["sgd", "momentum", "nesterov", "adam"], lr: 0.05, mu: 0.9, b1: 0.9, b2: 0.999, a: 0.99,
    wd: 0, n: 60, sig: 0, seed: 1, kap: 10, ang: 0, x: null, y: null, k: 60
  };
  /* 滑块：键、标签、范围（log 为真时滑块上是 log10 的值）、是否整数。 */
  var SLIDERS = [
    { key: "lr", label: "学习率 η", min: -3, max: 1, step: 0.01, log: true },
    { key: "mu", label: "动量 μ（Momentum、Nesterov）", min: 0, max: 0.99, step: 0.01 },
    { key: "b1", label: "β₁（Adam、AdamW）", min: 0, max: 0.99, step: 0.01 },
    { key: "b2", label: "β₂（Adam、AdamW）", min: 0.5, max: 0.999, step: 0.001 },
    { key: "a", label: "α（RMSProp）", min: 0.5, max: 0.999, step: 0.001 },
    { key: "wd", label: "权重衰减 λ", min: 0, max: 1, step: 0.01 },
    { key: "n", label: "步数", min: 0, max: 500, step: 1, int: true },
    { key: "sig", label: "梯度噪声 σ", min: 0, max: 3, step: 0.05 },
    { key: "seed", label: "噪声的随机种子", min: 0, max: 99, step: 1, int: true },
    { key: "kap", label: "条件数 κ（只对碗）", min: 0, max: 2, step: 0.01, log: true },
    { key: "ang", label: "旋转角 °（只对碗）", min: -90, max: 90, step: 1 }
  ];
  var HASH = "#optim?";

  function sliderSpec(key) {
    for (var i = 0; i < SLIDERS.length; i++) if (SLIDERS[i].key === key) return SLIDERS[i];
    return null;
  }

  function fmt(v) {
    if (v === 0) return "0";
    var a = Math.abs(v);
    return a >= 1000 || a < 0.01 ? v.toExponential(1) : String(Number(v.toPrecision(3)));
  }

  /* 与 Python 的 f"{v:.2e}" 同样的写法（指数至少两位）：1.80e-04。 */
  function expo(v) {
    return v.toExponential(2).replace(/e([+-])(\d)$/, "e$10$2");
  }

  /* 把一个设置截断到滑块的范围；不是数时用缺省值。返回 [值, 说明或空串]。 */
  function cleanValue(key, raw) {
    var spec = sliderSpec(key), v = Number(raw);
    if (!spec) return [raw, ""];
    var lo = spec.log ? Math.pow(10, spec.min) : spec.min, hi = spec.log ? Math.pow(10, spec.max) : spec.max;
    if (raw === "" || raw === null || !isFinite(v)) return [DEFAULTS[key], spec.label + " 不是数，已改用 " + fmt(DEFAULTS[key]) + "。"];
    if (spec.int) v = Math.round(v);
    if (v < lo || v > hi) {
      var c = Math.min(Math.max(v, lo), hi);
      return [c, spec.label + " " + fmt(v) + " 超出了 [" + fmt(lo) + ", " + fmt(hi) + "]，已截断为 " + fmt(c) + "。"];
    }
    return [v, ""];
  }

  /* 从地址的 #optim?… 读出设置（不合法的值截断并记下说明）。 */
  function stateFromHash(hash) {
    var state = JSON.parse(JSON.stringify(DEFAULTS)), notes = [];
    if (!hash || hash.indexOf(HASH) !== 0) return { state: state, notes: notes, found: false };
    var q = new URLSearchParams(hash.slice(HASH.length));
    if (q.has("s")) {
      if (Object.prototype.hasOwnProperty.call(SURFACES, q.get("s"))) state.s = q.get("s");
      else notes.push("链接里的曲面 " + q.get("s") + " 不存在，已改用狭长的碗。");
    }
    if (q.has("o")) state.o = q.get("o").split(",").filter(function (n) { return NAMES.indexOf(n) >= 0; });
    SLIDERS.forEach(function (spec) {
      if (!q.has(spec.key)) return;
      var r = cleanValue(spec.key, q.get(spec.key));
      state[spec.key] = r[0];
      if (r[1]) notes.push(r[1]);
    });
    var box = SURFACES[state.s].box;
    if (q.has("x") && q.has("y") && isFinite(Number(q.get("x"))) && isFinite(Number(q.get("y")))) {
      state.x = Math.min(Math.max(Number(q.get("x")), box[0]), box[1]);
      state.y = Math.min(Math.max(Number(q.get("y")), box[2]), box[3]);
    }
    state.k = q.has("k") && isFinite(Number(q.get("k"))) ? Math.round(Number(q.get("k"))) : state.n;
    state.k = Math.min(Math.max(state.k, 0), state.n);
    return { state: state, notes: notes, found: true };
  }

  function hashFromState(state) {
    var q = new URLSearchParams();
    q.set("s", state.s);
    q.set("o", state.o.join(","));
    SLIDERS.forEach(function (spec) { q.set(spec.key, String(state[spec.key])); });  /* 最短的精确写法 */
    var start = startOf(state);
    q.set("x", String(Number(start[0].toFixed(4))));
    q.set("y", String(Number(start[1].toFixed(4))));
    q.set("k", String(state.k));
    return HASH + q.toString();
  }

  function startOf(state) {
    return state.x === null || state.y === null ? SURFACES[state.s].start.slice() : [state.x, state.y];
  }

  function runOptions(state, name) {
    return {
      optimizer: name, surface: state.s, kappa: state.kap, angle: state.ang, lr: state.lr, momentum: state.mu,
      beta1: state.b1, beta2: state.b2, alpha: state.a, weight_decay: state.wd, noise: state.sig,
      seed: state.seed, steps: state.n, start: startOf(state)
    };
  }

  var STYLE = [
    ".dlbook-optim{margin:1em 0;max-width:100%;box-sizing:border-box}",
    ".dlbook-optim *{box-sizing:border-box}",
    ".dlbook-optim-row{display:flex;flex-wrap:wrap;gap:.35em .9em;align-items:center;margin:.3em 0}",
    ".dlbook-optim-grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:.25em 1em;margin:.4em 0}",
    ".dlbook-optim label{font-size:.85em;line-height:1.3;min-width:0}",
    ".dlbook-optim-grid label,.dlbook-optim-scrub{display:block}",
    ".dlbook-optim input[type=range]{width:100%;margin:0}",
    ".dlbook-optim select,.dlbook-optim button{font-size:.9em;max-width:100%}",
    ".dlbook-optim-toggle{white-space:nowrap}",
    ".dlbook-optim-swatch{display:inline-block;width:.9em;height:.25em;vertical-align:middle;margin-right:.2em}",
    ".dlbook-optim-message{color:#b00;font-size:.9em;min-height:2.7em;margin:.3em 0}",
    ".dlbook-optim-plot{width:100%;height:620px}",
    ".dlbook-optim-help{font-size:.8em;color:#555}"
  ].join("\n");

  function addStyle() {
    if (document.getElementById("dlbook-optim-style")) return;
    var el = document.createElement("style");
    el.id = "dlbook-optim-style";
    el.textContent = STYLE;
    document.head.appendChild(el);
  }

  function element(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") el.textContent = attrs[k];
      else el.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { el.appendChild(c); });
    return el;
  }

  function buildSlider(spec, ui) {
    var input = element("input", { type: "range", min: spec.min, max: spec.max, step: spec.step, "data-key": spec.key });
    var readout = element("span", { "class": "dlbook-optim-readout" });
    var label = element("label", {}, [document.createTextNode(spec.label + " = "), readout, input]);
    input.addEventListener("input", function () {
      var v = Number(input.value);
      ui.state[spec.key] = spec.log ? Number(Math.pow(10, v).toPrecision(4)) : v;  /* 链接里也是这 4 位有效数字 */
      if (spec.key === "n") ui.state.k = ui.state.n;
      ui.changed();
    });
    ui.inputs[spec.key] = { input: input, readout: readout, spec: spec };
    return label;
  }

  function buildToggles(ui) {
    var row = element("div", { "class": "dlbook-optim-row", role: "group", "aria-label": "优化器" });
    NAMES.forEach(function (name) {
      var box = element("input", { type: "checkbox", "data-optimizer": name });
      var swatch = element("span", { "class": "dlbook-optim-swatch", style: "background:" + COLORS[name] });
      box.addEventListener("change", function () {
        ui.state.o = NAMES.filter(function (n) { return ui.toggles[n].checked; });
        ui.changed();
      });
      ui.toggles[name] = box;
      row.appendChild(element("label", { "class": "dlbook-optim-toggle" }, [box, swatch, document.createTextNode(LABELS[name])]));
    });
    return row;
  }

  function buildTopRow(ui) {
    var select = element("select", { "data-key": "s", "aria-label": "曲面" });
    Object.keys(SURFACES).forEach(function (k) { select.appendChild(element("option", { value: k, text: SURFACES[k].label })); });
    select.addEventListener("change", function () {
      ui.state.s = select.value;
      ui.state.x = ui.state.y = null;
      ui.changed();
    });
    var reset = element("button", { type: "button", text: "起点复位" });
    reset.addEventListener("click", function () { ui.state.x = ui.state.y = null; ui.changed(); });
    var copy = element("button", { type: "button", text: "复制链接" });
    copy.addEventListener("click", function () { copyLink(ui); });
    ui.select = select;
    ui.startReadout = element("span", { "class": "dlbook-optim-help" });
    return element("div", { "class": "dlbook-optim-row" }, [
      element("label", {}, [document.createTextNode("曲面 "), select]), reset, copy, ui.startReadout
    ]);
  }

  function copyLink(ui) {
    var done = function () { ui.extra = "链接已复制：打开它就回到现在的设置。"; ui.render(); };
    var fail = function () { ui.extra = "没能自动复制，请从地址栏复制（设置已写在 # 之后）。"; ui.render(); };
    if (history.replaceState) history.replaceState(null, "", hashFromState(ui.state));
    try {
      if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(location.href).then(done, fail);
      else fail();
    } catch (e) { fail(); }
  }

  /* 控件显示 ui.state 的值（从链接恢复或改了别的控件之后）。 */
  function syncControls(ui) {
    var st = ui.state;
    ui.select.value = st.s;
    NAMES.forEach(function (n) { ui.toggles[n].checked = st.o.indexOf(n) >= 0; });
    Object.keys(ui.inputs).forEach(function (key) {
      var c = ui.inputs[key], v = st[key];
      c.input.value = c.spec.log ? Math.log10(v) : v;
      c.readout.textContent = c.spec.int ? String(v) : fmt(v);
    });
    ui.scrub.max = st.n;
    ui.scrub.value = st.k;
    ui.scrubReadout.textContent = String(st.k);
    var s = startOf(st);
    ui.startReadout.textContent = "起点 (" + s[0].toFixed(2) + ", " + s[1].toFixed(2) + ")：点击或拖动等高线图来改";
  }

  /* ------------------------------------------------------------ 页面：作图 */

  /* 与书里 Python 画的等高线同一套蓝色（由浅到深；reversescale 之后损失越小底色越深）。 */
  var BLUES = ["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)", "rgb(107,174,214)",
    "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)"].map(function (c, i) { return [i / 8, c]; });

  function contour(state) {
    var spec = makeSurface(state.s, state.kap, state.ang), b = spec.box, num = 70, xs = [], ys = [], z = [];
    for (var i = 0; i < num; i++) {
      xs.push(b[0] + (b[1] - b[0]) * i / (num - 1));
      ys.push(b[2] + (b[3] - b[2]) * i / (num - 1));
    }
    ys.forEach(function (y) { z.push(xs.map(function (x) { return Math.log10(spec.loss(x, y) + 1e-2); })); });
    return {
      type: "contour", x: xs, y: ys, z: z, name: "等高线", showscale: false, colorscale: BLUES, reversescale: true,
      ncontours: 24, contours: { coloring: "fill" }, opacity: 0.55, hoverinfo: "skip", line: { width: 0.5 },
      xaxis: "x", yaxis: "y"
    };
  }

  function pathTraces(name, r, k) {
    var color = COLORS[name], lastShown = r.x.length - 1, traces = [];
    traces.push({ type: "scatter", mode: "lines", name: LABELS[name], x: r.x, y: r.y, line: { color: color, width: 2.2 },
      xaxis: "x", yaxis: "y", hoverinfo: "skip" });
    var hit = r.diverged && r.x.length > 0;
    traces.push({ type: "scatter", mode: "markers", name: LABELS[name] + " ×", x: hit ? [r.x[lastShown]] : [],
      y: hit ? [r.y[lastShown]] : [], marker: { symbol: "x-thin", size: 16, line: { width: 3, color: color } },
      xaxis: "x", yaxis: "y", hoverinfo: "skip" });
    var here = k <= lastShown && !(r.diverged && k >= r.exitStep);  /* 走出画框那一点只是与边框的交点 */
    traces.push({ type: "scatter", mode: "markers", name: LABELS[name] + " 第 k 步", x: here ? [r.x[k]] : [],
      y: here ? [r.y[k]] : [], marker: { size: 10, color: color, line: { width: 1.5, color: "white" } },
      xaxis: "x", yaxis: "y", hoverinfo: "skip" });
    traces.push({ type: "scatter", mode: "lines", name: LABELS[name] + " 损失", x: r.loss.map(function (_, i) { return i; }),
      y: r.loss.map(function (v) { return Math.max(v, 1e-12); }), line: { color: color, width: 2 },
      xaxis: "x2", yaxis: "y2", hoverinfo: "x+y+name" });
    return traces;
  }

  /* 第 k 步的两支箭头：灰色是 −η∇f(θₖ)（SGD 会走的一步），彩色是这个优化器实际走的一步 θₖ₊₁ − θₖ。 */
  function arrows(state, runs, k) {
    var spec = makeSurface(state.s, state.kap, state.ang), out = [];
    runs.forEach(function (item) {
      var r = item.run, name = item.name;
      if (k >= r.x.length || (r.diverged && k >= r.exitStep)) return;
      var x = r.x[k], y = r.y[k], g = spec.grad(x, y);
      out.push(arrow(x, y, x - state.lr * g[0], y - state.lr * g[1], "#777", spec.box));
      if (k + 1 < r.x.length) out.push(arrow(x, y, r.x[k + 1], r.y[k + 1], COLORS[name], spec.box));
    });
    return out;
  }

  function arrow(x0, y0, x1, y1, color, box) {
    /* 箭头尖端留在画框里：太长的箭头按比例缩短。 */
    var s = 1, d = [x1 - x0, y1 - y0];
    [[box[0], box[1], 0], [box[2], box[3], 1]].forEach(function (lim) {
      var i = lim[2], a = i ? y0 : x0;
      if (d[i] > 0) s = Math.min(s, (lim[1] - a) / d[i]);
      else if (d[i] < 0) s = Math.min(s, (lim[0] - a) / d[i]);
    });
    return { x: x0 + s * d[0], y: y0 + s * d[1], ax: x0, ay: y0, xref: "x", yref: "y", axref: "x", ayref: "y",
      showarrow: true, arrowhead: 2, arrowsize: 1, arrowwidth: 2, arrowcolor: color, text: "" };
  }

  function layout(state, annotations) {
    var b = SURFACES[state.s].box;
    return {
      height: 620, margin: { l: 50, r: 12, t: 8, b: 44 }, showlegend: false, dragmode: false, hovermode: "closest",
      xaxis: { domain: [0, 1], anchor: "y", range: [b[0], b[1]], fixedrange: true, title: { text: "x" } },
      yaxis: { domain: [0.4, 1], anchor: "x", range: [b[2], b[3]], fixedrange: true, title: { text: "y" } },
      xaxis2: { domain: [0, 1], anchor: "y2", range: [0, Math.max(state.n, 1)], fixedrange: true, title: { text: "步数" } },
      yaxis2: { domain: [0, 0.28], anchor: "x2", type: "log", fixedrange: true, exponentformat: "power",
        title: { text: "f − f*" } },
      annotations: annotations,
      shapes: [{ type: "line", xref: "x2", yref: "y2 domain", x0: state.k, x1: state.k, y0: 0, y1: 1,
        line: { color: "#999", width: 1, dash: "dot" } }]
    };
  }

  /* 说明行：哪些优化器发散、谁的损失最低、箭头的含义。 */
  function message(state, runs) {
    if (!runs.length) return "没有选择任何优化器：至少勾选一种，才有轨迹可画。";
    var gone = runs.filter(function (it) { return it.run.diverged; });
    var lr = "η = " + fmt(state.lr) + "：";
    if (gone.length) {
      return lr + gone.map(function (it) { return LABELS[it.name] + "（第 " + it.run.exitStep + " 步）"; }).join("、") +
        " 走出了画框（发散），轨迹截断在边框上，用 × 标出。";
    }
    if (state.n === 0) return "步数为 0：每种优化器都还停在起点。";
    var best = runs.reduce(function (a, b) { return b.run.loss[b.run.loss.length - 1] < a.run.loss[a.run.loss.length - 1] ? b : a; });
    return lr + state.n + " 步后损失最低的是 " + LABELS[best.name] + "（f − f* = " +
      expo(best.run.loss[best.run.loss.length - 1]) + "）。";
  }

  function scrubNote(state) {
    return "第 " + state.k + " 步：圆点是此刻的位置，灰色箭头是 −η∇f（SGD 这一步会走的位移），彩色箭头是这个优化器实际走的一步。";
  }

  /* ------------------------------------------------------------ 页面：起点的点击与拖动 */

  function toData(ui, ev) {
    var gd = ui.plot, full = gd._fullLayout;
    if (!full || !full.xaxis || !full.yaxis) return null;
    var rect = gd.getBoundingClientRect(), xa = full.xaxis, ya = full.yaxis, b = SURFACES[ui.state.s].box;
    var px = ev.clientX - rect.left - xa._offset, py = ev.clientY - rect.top - ya._offset;
    if (px < 0 || px > xa._length || py < 0 || py > ya._length) return null;
    return [b[0] + (b[1] - b[0]) * px / xa._length, b[3] - (b[3] - b[2]) * py / ya._length];
  }

  function setStart(ui, p) {
    if (!p) return;
    ui.state.x = Number(p[0].toFixed(4));
    ui.state.y = Number(p[1].toFixed(4));
    ui.changed();
  }

  /* 鼠标：按下即设起点，按住拖动时起点跟着走。触屏：轻点设起点，滑动仍然滚动页面。 */
  function listenForStart(ui) {
    var gd = ui.plot, dragging = false, tap = null, pending = null;
    gd.addEventListener("pointerdown", function (ev) {
      var p = toData(ui, ev);
      if (!p) return;
      if (ev.pointerType === "mouse") {
        dragging = true;
        if (gd.setPointerCapture) gd.setPointerCapture(ev.pointerId);
        ev.preventDefault();
        setStart(ui, p);
      } else {
        tap = { x: ev.clientX, y: ev.clientY };
      }
    });
    gd.addEventListener("pointermove", function (ev) {
      if (!dragging) return;
      var first = pending === null;
      pending = toData(ui, ev) || pending;
      if (first) requestAnimationFrame(function () { setStart(ui, pending); pending = null; });
    });
    gd.addEventListener("pointerup", function (ev) {
      if (dragging) { dragging = false; return; }
      if (tap && Math.abs(ev.clientX - tap.x) < 10 && Math.abs(ev.clientY - tap.y) < 10) setStart(ui, toData(ui, ev));
      tap = null;
    });
    gd.addEventListener("pointercancel", function () { dragging = false; tap = null; });
  }

  /* ------------------------------------------------------------ 页面：装配 */

  function render(ui) {
    var st = ui.state;
    st.k = Math.min(Math.max(Math.round(st.k), 0), st.n);
    syncControls(ui);
    var runs = [], text;
    try {
      runs = st.o.map(function (name) { return { name: name, run: run(runOptions(st, name)) }; });
      text = [ui.notes.join(" "), message(st, runs), runs.length ? scrubNote(st) : "", ui.extra].filter(Boolean).join(" ");
    } catch (e) {
      text = "计算出错：" + e.message;
    }
    var s = startOf(st), traces = [contour(st)];
    runs.forEach(function (it) { traces = traces.concat(pathTraces(it.name, it.run, st.k)); });
    traces.push({ type: "scatter", mode: "markers", name: "起点", x: [s[0]], y: [s[1]], xaxis: "x", yaxis: "y",
      marker: { symbol: "star", size: 15, color: "black" }, hoverinfo: "skip" });
    ui.runs = runs;
    ui.message.textContent = text;
    return Plotly.react(ui.plot, traces, layout(st, arrows(st, runs, st.k)), { responsive: true, displayModeBar: false });
  }

  function mount(el) {
    if (el._dlbookOptim) return el._dlbookOptim;
    addStyle();
    el.classList.add("dlbook-optim");
    el.textContent = "";
    var restored = stateFromHash(location.hash);
    var ui = { el: el, state: restored.state, notes: restored.notes, extra: "", inputs: {}, toggles: {} };
    ui.scrub = element("input", { type: "range", min: 0, max: 60, step: 1, "data-key": "k" });
    ui.scrubReadout = element("span", {});
    ui.scrub.addEventListener("input", function () { ui.state.k = Number(ui.scrub.value); ui.changed(); });
    ui.message = element("div", { "class": "dlbook-optim-message", role: "status", "aria-live": "polite" });
    ui.plot = element("div", { "class": "dlbook-optim-plot" });
    var grid = element("div", { "class": "dlbook-optim-grid" }, SLIDERS.map(function (spec) { return buildSlider(spec, ui); }));
    el.appendChild(buildTopRow(ui));
    el.appendChild(buildToggles(ui));
    el.appendChild(grid);
    el.appendChild(element("label", { "class": "dlbook-optim-scrub" }, [
      document.createTextNode("查看第 "), ui.scrubReadout, document.createTextNode(" 步"), ui.scrub]));
    el.appendChild(ui.message);
    el.appendChild(ui.plot);
    ui.render = function () { return render(ui); };
    var pendingHash = null;
    ui.changed = function () {
      ui.notes = [];
      ui.extra = "";
      /* 拖动滑块时每秒有几十次改动：地址只在停下 200 ms 后写一次（浏览器会限制过于频繁的 replaceState）。 */
      clearTimeout(pendingHash);
      pendingHash = setTimeout(function () {
        if (history.replaceState) history.replaceState(null, "", hashFromState(ui.state));
      }, 200);
      return ui.render();
    };
    el._dlbookOptim = ui;
    ui.ready = render(ui).then(function () { listenForStart(ui); });
    if (restored.found) el.scrollIntoView();
    window.addEventListener("hashchange", function () {
      var r = stateFromHash(location.hash);
      if (!r.found || location.hash === hashFromState(ui.state)) return;
      ui.state = r.state;
      ui.notes = r.notes;
      ui.render();
    });
    return ui;
  }

  function mountAll() {
    var nodes = document.querySelectorAll("[data-dlbook-optim]");
    if (!nodes.length) return;
    if (typeof Plotly === "undefined") {
      nodes.forEach(function (n) { n.textContent = "plotly.js 没有加载，优化器探索器无法显示。"; });
      return;
    }
    nodes.forEach(mount);
  }

  window.DlbookOptim = {
    NAMES: NAMES, LABELS: LABELS, SURFACES: SURFACES, mulberry32: mulberry32, gaussianPairs: gaussianPairs,
    makeSurface: makeSurface, run: run, mount: mount, stateFromHash: stateFromHash, hashFromState: hashFromState
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
