// Follows the cancellation stream (/console/events, the stream of
// GET /events/cancellations for a signed-in admin) and lists each new
// cancellation, newest first, with counts by kind.
"use strict";
(function () {
  var rows = document.getElementById("live-rows");
  var state = document.getElementById("live-state");
  var counts = { token: 0, session: 0, subject: 0 };
  var live = false;
  var names = { token: "Token", session: "Session", subject: "User" };

  function cell(tr, text) {
    var td = document.createElement("td");
    td.textContent = text;
    tr.appendChild(td);
  }
  function when(iso) {
    var d = new Date(iso);
    return isNaN(d) ? iso : d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
  }
  function add(c) {
    counts[c.kind] = (counts[c.kind] || 0) + 1;
    var n = document.getElementById("count-" + c.kind);
    if (n) n.textContent = String(counts[c.kind]);
    var tr = document.createElement("tr");
    cell(tr, when(new Date().toISOString()));
    cell(tr, names[c.kind] || c.kind);
    cell(tr, c.id);
    cell(tr, when(c.expires_at));
    rows.insertBefore(tr, rows.firstChild);
    while (rows.children.length > 500) rows.removeChild(rows.lastChild);
  }

  // The server ends the stream (a "stale" event) when its replica is not
  // in step with the store, and answers 503 until it is: a browser's
  // EventSource gives up after a non-200 answer, so reopen it ourselves.
  function open() {
    var es = new EventSource("/console/events");
    es.addEventListener("cancellation", function (e) {
      if (live) add(JSON.parse(e.data)); // the set as it was comes first: only new ones are listed
    });
    es.addEventListener("ready", function (e) {
      live = true;
      var n = JSON.parse(e.data).cancellations;
      state.textContent = "Live. The cancelled set holds " + n + " entries; new cancellations appear below.";
    });
    es.addEventListener("stale", function () {
      live = false;
      state.textContent = "This instance lost touch with the store; reconnecting…";
    });
    es.onerror = function () {
      live = false;
      state.textContent = "The stream was interrupted; reconnecting…";
      if (es.readyState === EventSource.CLOSED) {
        setTimeout(open, 2000);
      }
    };
  }
  open();
})();
