// Issue 12 — the dashboard's only script (with Chart.js on the overview). Every page works without
// it: it adds a copy button to one-time secrets and draws the overview's charts from the JSON the
// page carries (the tables below them hold the same numbers).
(() => {
  for (const button of document.querySelectorAll('[data-copy]')) {
    const input = document.getElementById(button.getAttribute('data-copy'));
    const status = button.parentElement.querySelector('[data-copy-status]');
    if (!input) continue;
    button.hidden = false;
    button.addEventListener('click', async () => {
      input.focus();
      input.select();
      let copied = false;
      try {
        if (navigator.clipboard && window.isSecureContext) {
          await navigator.clipboard.writeText(input.value);
          copied = true;
        }
      } catch {}
      if (!copied) {
        try {
          copied = document.execCommand('copy');
        } catch {}
      }
      if (status) status.textContent = copied ? 'Copied.' : 'Selected: press Ctrl+C (or ⌘C) to copy.';
    });
  }

  const data = document.getElementById('stats-data');
  const root = document.querySelector('[data-chart-root]');
  if (!data || !root || typeof Chart === 'undefined') return;
  const stats = JSON.parse(data.textContent);
  const labels = stats.days.map((d) => d.date);
  const chart = (title, config) => {
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = title;
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', `${title} (the same numbers are in the tables below)`);
    figure.append(caption, canvas);
    figure.style.maxWidth = '100%';
    root.append(figure);
    return new Chart(canvas, {
      ...config,
      options: { responsive: true, animation: false, ...config.options },
    });
  };
  const colours = { pending: '#9ca3af', processing: '#f59e0b', approved: '#1f7a3a', rejected: '#b91c1c' };
  chart('Sessions per day by outcome', {
    type: 'bar',
    data: {
      labels,
      datasets: ['approved', 'rejected', 'processing', 'pending'].map((status) => ({
        label: status,
        data: stats.days.map((d) => d.sessions[status]),
        backgroundColor: colours[status],
      })),
    },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
  });
  const percent = (v) => (v === null ? null : Math.round(v * 1000) / 10);
  chart('Approval rate and webhook success rate (%)', {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'approval rate',
          data: stats.days.map((d) => percent(d.approval_rate)),
          borderColor: '#1f7a3a',
        },
        {
          label: 'webhook success rate',
          data: stats.days.map((d) => percent(d.webhooks.success_rate)),
          borderColor: '#1f3a5f',
        },
      ],
    },
    options: { scales: { y: { min: 0, max: 100 } }, spanGaps: true },
  });
  const hours = (s) => (s === null ? null : Math.round((s / 3600) * 100) / 100);
  chart('Create → decision time (hours, bucket upper bound)', {
    type: 'line',
    data: {
      labels,
      datasets: [
        { label: 'p50', data: stats.days.map((d) => hours(d.decision_seconds_p50)), borderColor: '#1f3a5f' },
        { label: 'p90', data: stats.days.map((d) => hours(d.decision_seconds_p90)), borderColor: '#b45309' },
      ],
    },
    options: { spanGaps: true },
  });
  chart('Webhook first-attempt latency (ms, bucket upper bound)', {
    type: 'line',
    data: {
      labels,
      datasets: [
        {
          label: 'p50',
          data: stats.days.map((d) => d.webhooks.first_attempt_ms_p50),
          borderColor: '#1f3a5f',
        },
        {
          label: 'p90',
          data: stats.days.map((d) => d.webhooks.first_attempt_ms_p90),
          borderColor: '#b45309',
        },
      ],
    },
    options: { spanGaps: true },
  });
})();
