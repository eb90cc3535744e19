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

  function option(spec) {
    var text = dark ? "#e6edf7" : "#333";
    var base = {
      color: palette,
      backgroundColor: "transparent",
      textStyle: { fontSize: dark ? 16 : 12, color: text },
      tooltip: { trigger: spec.type === "pie" ? "item" : "axis" },
      animationDuration: 400
    };
    if (spec.type === "pie") {
      base.legend = { bottom: 0, type: "scroll", textStyle: { color: text } };
      base.series = [{
        type: "pie", radius: ["35%", "65%"], center: ["50%", "45%"],
        label: { formatter: "{b}\n{d}%", color: text },
        data: spec.categories.map(function (c, i) {
          return { name: c, value: spec.series[0].data[i] };
        })
      }];
      return base;
    }
    var horizontal = spec.type === "hbar";
    var axes = [{ type: "value", axisLabel: { formatter: axisLabel(spec.unit), color: text },
                  splitLine: { lineStyle: { color: dark ? "#2a3550" : "#eee" } } }];
    if (spec.series.some(function (s) { return s.axis === 1; })) {
      axes.push({ type: "value", splitLine: { show: false }, axisLabel: { color: text } });
    }
    var cats = { type: "category", data: spec.categories, axisLabel: { color: text } };
    base.grid = { left: horizontal ? 90 : 50, right: 40, top: 40, bottom: 30 };
    base.legend = { top: 0, textStyle: { color: text } };
    base.xAxis = horizontal ? axes[0] : cats;
    base.yAxis = horizontal ? cats : axes;
    if (horizontal) { cats.inverse = true; }
    base.series = spec.series.map(function (s) {
      var out = { name: s.name, type: s.type === "line" ? "line" : "bar", data: s.data,
                  connectNulls: true, barMaxWidth: 36 };
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
    var map = data.panels.map && data.panels.map.chart && data.panels.map.chart.levels;
    if (map) {
      document.querySelectorAll(".map-region[data-region]").forEach(function (el) {
        var info = map[el.getAttribute("data-region")] || { level: 0, label: "" };
        el.setAttribute("class", el.getAttribute("class").replace(/level-\d/, "level-" + info.level));
        var amount = el.querySelector("[data-region-amount]");
        if (amount) { amount.textContent = info.label; }
      });
    }
    var updated = document.querySelector("[data-updated]");
    if (updated) { updated.textContent = data.updated_at; }
    var round = document.querySelector("[data-screen-round]");
    if (round && data.round) { round.textContent = data.round.year + " · " + data.round.title; }
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
