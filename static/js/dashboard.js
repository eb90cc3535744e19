// Dashboard and wall screen: draws each panel's chart spec with ECharts from the JSON data block
// (#dashboard-data); the screen fetches fresh JSON every minute and redraws without reloading.
(function () {
  "use strict";
  var block = document.getElementById("dashboard-data");
  if (!block || !window.echarts) { return; }
  var screen = document.querySelector("[data-screen]");
  var dark = !!screen;
  var charts = {};
  var palette = ["#c8102e", "#1f77b4", "#f0a500", "#2ca02c", "#9467bd", "#17becf", "#8c564b"];

  var english = (document.documentElement.lang || "").indexOf("en") === 0;

  function money(v) {
    if (english && v >= 1000) { return (v / 1000).toFixed(0) + "k"; }
    if (!english && v >= 10000) { return (v / 10000).toFixed(1) + "万"; }
    return String(v);
  }

  function axisLabel(unit) {
    if (unit === "pct") { return function (v) { return v + "%"; }; }
    if (unit === "yuan") { return money; }
    return null;
  }

  function tooltipValue(unit) {
    if (unit === "pct") { return function (v) { return v === null || v === undefined ? "—" : v + "%"; }; }
    if (unit === "yuan") {
      return function (v) {
        return v === null || v === undefined ? "—" : "¥" + Number(v).toLocaleString(
          english ? "en" : "zh-CN", { maximumFractionDigits: 2 });
      };
    }
    return function (v) { return v === null || v === undefined ? "—" : String(v); };
  }

  function option(spec) {
    var text = dark ? "#e6edf7" : "#333";
    var size = dark ? 16 : 12;
    var base = {
      color: palette,
      backgroundColor: "transparent",
      textStyle: { fontSize: size, color: text },
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis",
                 valueFormatter: tooltipValue(spec.unit), confine: true },
      animationDuration: 400
    };
    if (spec.type === "pie") {
      // Each slice is named by its label (no legend to page through); labels sit at the
      // panel's edges and wrap rather than being cut.
      base.series = [{
        type: "pie", radius: ["32%", "58%"], center: ["50%", "50%"],
        label: { formatter: "{b}\n{d}%", color: text, fontSize: size, alignTo: "edge",
                 edgeDistance: 6, overflow: "break", lineHeight: size + 4 },
        labelLine: { length: 10, length2: 0, maxSurfaceAngle: 80 },
        data: spec.categories.map(function (c, i) {
          return { name: c, value: spec.series[0].data[i] };
        })
      }];
      return base;
    }
    var horizontal = spec.type === "hbar";
    var axes = [{ type: "value",
                  axisLabel: { formatter: axisLabel(spec.unit), color: text, fontSize: size },
                  minInterval: spec.unit === "count" ? 1 : 0,
                  splitLine: { lineStyle: { color: dark ? "#2a3550" : "#eee" } } }];
    if (spec.series.some(function (s) { return s.axis === 1; })) {
      axes.push({ type: "value", splitLine: { show: false }, minInterval: 1,
                  axisLabel: { color: text, fontSize: size } });
    }
    var cats = { type: "category", data: spec.categories,
                 axisLabel: { color: text, fontSize: size, hideOverlap: !horizontal,
                              interval: horizontal || spec.categories.length <= 10 ? 0 : "auto" } };
    base.grid = { left: 8, right: horizontal ? 36 : 20, top: 36, bottom: 4, containLabel: true };
    base.legend = { top: 0, textStyle: { color: text }, type: "scroll" };
    base.xAxis = horizontal ? axes[0] : cats;
    base.yAxis = horizontal ? cats : axes;
    if (horizontal) { cats.inverse = true; base.legend.show = false; base.grid.top = 8; }
    base.series = spec.series.map(function (s) {
      var data = s.data;
      if (spec.in_progress && s.type !== "line") {
        // A year still in progress: its bar is paler (its money is not final).
        data = s.data.map(function (v, i) {
          return spec.in_progress[i] ? { value: v, itemStyle: { opacity: 0.4 } } : v;
        });
      }
      var out = { name: s.name, type: s.type === "line" ? "line" : "bar", data: data,
                  connectNulls: false, barMaxWidth: 36 };
      if (!horizontal) { out.yAxisIndex = s.axis || 0; }
      if (horizontal) { out.label = { show: true, position: "right", color: text }; }
      return out;
    });
    return base;
  }

  function draw(data) {
    Object.keys(data.panels).forEach(function (key) {
      var spec = data.panels[key].chart;
      var el = document.querySelector('[data-chart="' + key + '"]');
      if (!spec || spec.type === "map" || !el) { return; }
      if (!charts[key]) { charts[key] = window.echarts.init(el, dark ? "dark" : null); }
      charts[key].setOption(option(spec), true);
    });
  }

  function update(data) {
    var kpis = data.kpis || {};
    document.querySelectorAll("[data-kpi]").forEach(function (el) {
      var v = kpis[el.getAttribute("data-kpi")];
      el.textContent = v === undefined || v === null ? "—" : v;
    });
    var growth = document.querySelector('[data-kpi="growth"]');
    if (growth) { growth.classList.toggle("kpi-in-progress", !!kpis.growth_in_progress); }
    var map = data.panels.map && data.panels.map.chart && data.panels.map.chart.levels;
    if (map) {
      document.querySelectorAll(".map-region[data-region]").forEach(function (el) {
        var info = map[el.getAttribute("data-region")] || { level: 0, label: "" };
        el.setAttribute("class", el.getAttribute("class").replace(/level-\d/, "level-" + info.level));
        var amount = el.querySelector("[data-region-amount]");
        if (amount) { amount.textContent = info.label; }
      });
    }
    document.querySelectorAll("[data-panel-note]").forEach(function (el) {
      var panel = data.panels[el.getAttribute("data-panel-note")];
      if (panel) { el.textContent = panel.note || ""; }
    });
    var updated = document.querySelector("[data-updated]");
    if (updated) { updated.textContent = data.updated_at; }
    var round = document.querySelector("[data-screen-round]");
    if (round) { round.textContent = data.round_label || ""; }
    draw(data);
  }

  draw(JSON.parse(block.textContent));

  window.addEventListener("resize", function () {
    Object.keys(charts).forEach(function (k) { charts[k].resize(); });
  });

  // The filter form applies as soon as a choice changes (the button stays for no-JS use).
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });

  if (screen) {
    var url = screen.getAttribute("data-refresh-url");
    var seconds = parseInt(screen.getAttribute("data-refresh-seconds"), 10) || 60;
    var refresh = function () {
      fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          update(data);
          screen.setAttribute("data-refreshed", String(Date.now()));
        })
        .catch(function () { /* keep showing the last figures; try again next minute */ });
    };
    window.setInterval(refresh, seconds * 1000);
    window.dashboardRefresh = refresh; // lets a browser test trigger one without waiting
  }
}());
