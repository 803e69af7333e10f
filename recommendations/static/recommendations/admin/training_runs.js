// Moves the progress bars of queued and running training runs by polling the admin's small
// staff-only JSON view every two seconds, and stops polling when nothing is in progress. When a
// run ends it says so in a polite live region with a Reload button (the page shows the run's
// version and metrics after a reload): reloading by itself took the staff member's focus and
// ticked rows away in the middle of their work.
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
    bar.setAttribute("aria-valuenow", Math.round(run.progress));
    bar.title = run.message;
    // The run's row on the list, or its own page's form: both show its status, message and duration.
    const row = bar.closest("tr") || bar.closest("form");
    const status = row && row.querySelector(".training-status");
    if (status) {
      status.textContent = run.status;
      status.className = "training-status training-status-" + run.status;
    }
    const message = row && row.querySelector("td.field-message_display, .field-message_display .readonly");
    if (message) message.textContent = run.message;
    const duration = row && row.querySelector("td.field-duration, .field-duration .readonly");
    if (duration) duration.textContent = run.duration;
    const ended = ACTIVE.has(bar.dataset.status) && !ACTIVE.has(run.status);
    bar.dataset.status = run.status;
    return ended;
  }

  // Present from the start (empty), so that screen readers announce what is written into it.
  function finishedRegion() {
    let region = document.getElementById("training-finished");
    if (!region) {
      region = document.createElement("div");
      region.id = "training-finished";
      region.setAttribute("aria-live", "polite");
      const endpoint = document.getElementById("training-progress-endpoint");
      endpoint.parentNode.insertBefore(region, endpoint.nextSibling);
    }
    return region;
  }

  const finishedIds = [];
  function announceFinished(ids) {
    finishedIds.push(...ids);
    const region = finishedRegion();
    const names = finishedIds.map((id) => "#" + id).join(", ");
    const list = document.createElement("ul");
    list.className = "messagelist";
    const item = document.createElement("li");
    item.className = "info";
    item.append((finishedIds.length > 1 ? "Runs " : "Run ") + names + " finished — ");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "button training-reload";
    button.textContent = "Reload";
    button.addEventListener("click", () => window.location.reload());
    item.append(button);
    list.append(item);
    region.replaceChildren(list);
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
      const ended = [];
      for (const run of body.runs) {
        const bar = document.querySelector('.training-progress[data-run-id="' + run.id + '"]');
        if (bar && update(bar, run)) ended.push(run.id);
      }
      if (ended.length) announceFinished(ended);
    } catch (error) {
      // The server restarting or a network blip: try again at the next tick.
    }
    window.setTimeout(poll, POLL_MS);
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (activeBars().length && document.getElementById("training-progress-endpoint")) finishedRegion();
    window.setTimeout(poll, POLL_MS);
  });
})();
