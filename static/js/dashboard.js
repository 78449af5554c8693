// The dashboard's two charts (Chart.js, served from node_modules). Each series differs by line style
// and point shape as well as colour, and a table of the same figures sits under each chart.
(() => {
  function draw() {
    const source = document.getElementById("chart-data");
    const activity = document.getElementById("chart-activity");
    if (!source || !activity || activity.dataset.drawn || typeof Chart === "undefined") return;
    activity.dataset.drawn = "1";
    const data = JSON.parse(source.textContent);
    const hours = data.hours.map((hour) => {
      const at = new Date(hour);
      return at.toLocaleString(undefined, { weekday: "short", hour: "2-digit" });
    });
    new Chart(activity, {
      type: "line",
      data: {
        labels: hours,
        datasets: [
          { label: "Created", data: data.created, borderColor: "#0d6efd", backgroundColor: "#0d6efd",
            pointStyle: "circle", pointRadius: 2, borderWidth: 2, tension: 0.2 },
          { label: "Shipped", data: data.shipped, borderColor: "#198754", backgroundColor: "#198754",
            pointStyle: "triangle", pointRadius: 3, borderDash: [6, 4], borderWidth: 2, tension: 0.2 },
        ],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: "index", intersect: false },
        plugins: { legend: { labels: { usePointStyle: true } } },
        scales: { x: { ticks: { maxTicksLimit: 7 } }, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    const channels = document.getElementById("chart-channels");
    new Chart(channels, {
      type: "bar",
      data: {
        labels: data.channels,
        datasets: [{ label: "Orders", data: data.channel_counts, backgroundColor: "#6c757d" }],
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        indexAxis: "y",
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }
  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:load", draw);
})();
