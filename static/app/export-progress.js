// A bulk export's page: polls the job's status (JSON) every second and updates the progress
// bar, the status tag and the text, then shows the download link or the error. A static file
// rather than an inline script, so a strict Content Security Policy allows it. Without
// JavaScript the page still works: it shows the state when loaded and a "Refresh" link.
(function () {
  "use strict";
  var root = document.querySelector("[data-export-status-url]");
  if (!root || !window.fetch) {
    return;
  }
  var url = root.getAttribute("data-export-status-url");
  var bar = root.querySelector("progress");
  var tag = root.querySelector("[data-export-tag]");
  var text = root.querySelector("[data-export-text]");
  var done = root.querySelector("[data-export-done]");
  var failed = root.querySelector("[data-export-failed]");
  var error = root.querySelector("[data-export-error]");
  var refresh = root.querySelector("[data-export-refresh]");
  var stalled = root.querySelector("[data-export-stalled]");
  var INTERVAL = 1000;
  var lastText = text ? text.textContent : "";

  function show(element, visible) {
    if (element) {
      element.hidden = !visible;
    }
  }

  function update(status) {
    root.setAttribute("data-export-status", status.status);
    if (bar) {
      bar.max = Math.max(status.total, 1);
      bar.value = status.status === "done" ? bar.max : status.done;
      bar.textContent = status.percent + "%";
    }
    if (tag) {
      tag.className = "govuk-tag " + status.tag_class;
      tag.textContent = status.status_label;
    }
    // Only a changed sentence is written, so a screen reader is not told the same twice.
    if (text && status.text !== lastText) {
      text.textContent = status.text;
      lastText = status.text;
    }
    if (status.status === "done") {
      var link = done && done.querySelector("a");
      if (link && status.download_url) {
        link.setAttribute("href", status.download_url);
      }
      show(done, true);
    }
    if (status.status === "failed") {
      if (error) {
        error.textContent = status.error;
      }
      show(failed, true);
      if (failed) {
        failed.focus();
      }
    }
    show(stalled, status.stalled);
    show(refresh, !status.finished);
    return status.finished;
  }

  function poll(delay) {
    window.setTimeout(function () {
      window
        .fetch(url, {
          credentials: "same-origin",
          cache: "no-store",
          headers: { Accept: "application/json" },
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (status) {
          if (!update(status)) {
            poll(INTERVAL);
          }
        })
        .catch(function () {
          // A lost connection or a restarting server: try again, less often.
          poll(INTERVAL * 5);
        });
    }, delay);
  }

  if (root.getAttribute("data-export-status") === "queued" ||
      root.getAttribute("data-export-status") === "running") {
    poll(INTERVAL);
  }
})();
