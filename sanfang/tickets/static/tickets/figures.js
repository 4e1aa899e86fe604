/* The case figures page: draws the rates and where cases were settled from the page's
   json_script data (id "fig-data"). ECharts comes from static/vendor, never a CDN. */
(function () {
  "use strict";
  var source = document.getElementById("fig-data");
  if (!window.echarts || !source) { return; }
  var data = JSON.parse(source.textContent);
  var charts = [];
  function pct(v) { return v === null || v === undefined ? "—" : (v * 100).toFixed(1) + "%"; }
  function draw(id, option) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption(option);
    charts.push(chart);
  }

  draw("fig-chart-rates", {
    tooltip: {trigger: "axis", valueFormatter: pct},
    grid: {left: 8, right: 48, top: 8, bottom: 8, containLabel: true},
    xAxis: {type: "value", min: 0, max: 1, axisLabel: {formatter: function (v) { return Math.round(v * 100) + "%"; }}},
    yAxis: {type: "category", inverse: true, data: data.rates.labels,
            axisLabel: {width: 110, overflow: "break", lineHeight: 14, fontSize: 11}},
    series: [{
      type: "bar", name: data.labels.rate, barMaxWidth: 24, itemStyle: {color: "#206bc4"},
      // A rate with nothing to divide is null: no bar, and "—" as its label.
      data: data.rates.values.map(function (v) { return v === null ? {value: null} : v; }),
      label: {show: true, position: "right", formatter: function (p) { return pct(p.value); }}
    }]
  });

  var colours = {compound: "#2fb344", community: "#f59f00", higher: "#d63939"};
  var closed = data.settled.reduce(function (n, row) { return n + row.value; }, 0);
  draw("fig-chart-settled", {
    title: closed ? undefined : {text: data.labels.none, left: "center", top: "middle",
                                 textStyle: {fontSize: 13, fontWeight: "normal", color: "#667382"}},
    tooltip: {trigger: "item", formatter: "{b}: {c} ({d}%)"},
    legend: {bottom: 0},
    series: closed ? [{
      type: "pie", name: data.labels.cases, radius: ["36%", "60%"], center: ["50%", "44%"], avoidLabelOverlap: true,
      label: {formatter: "{c}"},
      data: data.settled.map(function (row) {
        return {name: row.label, value: row.value, itemStyle: {color: colours[row.key]},
                label: {show: row.value > 0}, labelLine: {show: row.value > 0}};
      })
    }] : []
  });

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
