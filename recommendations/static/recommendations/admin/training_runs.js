// Moves the progress bars of queued and running training runs by polling the admin's small
// staff-only JSON view every two seconds; reloads the page once a run ends (to show its version
// and metrics) and stops polling when nothing is in progress.
(function () {
  "use strict";
  const POLL_MS = 2000;
  const ACTIVE = new Set(["queued", "running"]);

  function activeBars() {
    return Array.from(document.querySelectorAll(".training-progress[data-run-id]")).filter(
      (bar) => ACTIVE.has(bar.dataset.status)
    );
  }

  function update(bar, run) {
    const label = bar.querySelector(".training-progress-label");
    bar.querySelector(".training-progress-bar").style.width = run.progress + "%";
    label.textContent = Math.round(run.progress) + "%";
    bar.title = run.message;
    const row = bar.closest("tr");
    const status = row && row.querySelector(".training-status");
    if (status) {
      status.textContent = run.status;
      status.className = "training-status training-status-" + run.status;
    }
    const message = row && row.querySelector("td.field-message");
    if (message) message.textContent = run.message;
    const duration = row && row.querySelector("td.field-duration");
    if (duration) duration.textContent = run.duration;
    const ended = ACTIVE.has(bar.dataset.status) && !ACTIVE.has(run.status);
    bar.dataset.status = run.status;
    return ended;
  }

  async function poll() {
    const endpoint = document.getElementById("training-progress-endpoint");
    const bars = activeBars();
    if (!endpoint || bars.length === 0) return;
    const ids = bars.map((bar) => bar.dataset.runId).join(",");
    try {
      const response = await fetch(endpoint.dataset.url + "?ids=" + ids, { credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      const body = await response.json();
      let ended = false;
      for (const run of body.runs) {
        const bar = document.querySelector('.training-progress[data-run-id="' + run.id + '"]');
        if (bar) ended = update(bar, run) || ended;
      }
      if (ended) {
        window.location.reload();
        return;
      }
    } catch (error) {
      // The server restarting or a network blip: try again at the next tick.
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => window.setTimeout(poll, POLL_MS));
})();
