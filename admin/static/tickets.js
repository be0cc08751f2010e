/* Live refresh of the ticket pages (no inline script: the CSP allows only this file).
 * The queue (#tickets) re-renders its rows and the tab counts from /tickets.json every 2 s; a ticket page
 * (#messages) appends new messages from /tickets/<id>/messages.json?after=<last id> every 1.5 s and updates the
 * header and the delivery states. User text only ever goes in through textContent. */
(function () {
  "use strict";

  var LIST_EVERY = 2000;
  var MESSAGES_EVERY = 1500;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node && node.textContent !== String(text)) { node.textContent = String(text); }
  }

  // Fetch ``url()`` every ``every`` ms (not while the tab is hidden, never two at once) and hand the JSON on.
  function poll(url, every, handle) {
    function again() { window.setTimeout(tick, every); }
    function tick() {
      if (document.hidden) { again(); return; }
      fetch(url(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (response.redirected) { window.location.reload(); return null; }  // logged out: the login page
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (data) { if (data) { handle(data); } })
        .catch(function (error) { console.warn("refresh failed:", error); })
        .then(again);
    }
    again();
  }

  function counts(data) {
    Object.keys(data.counts || {}).forEach(function (status) { setText("count-" + status, data.counts[status]); });
    if (data.counts && data.counts.open !== undefined) { setText("nav-open", data.counts.open); }
  }

  function badge(urgent, risk) {
    return urgent ? el("span", "badge urgent", risk ? "urgent: " + risk : "urgent") : null;
  }

  function ticketRow(t) {
    var row = el("tr", "ticket-row" + (t.urgent ? " urgent" : ""));
    row.dataset.id = t.id;
    var link = el("a", "", "#" + t.id);
    link.href = t.url;
    var created = el("td", "", t.created + " ");
    created.appendChild(el("small", "age", "(" + t.age + " ago)"));
    var cells = [link, created, t.channel, t.language, t.topic, t.reason, badge(t.urgent, t.risk), t.assigned_to,
      t.messages, t.first_reply, t.resolution];
    cells.forEach(function (cell) {
      if (cell instanceof HTMLTableCellElement) { row.appendChild(cell); return; }
      var td = el("td");
      if (cell instanceof Node) { td.appendChild(cell); } else if (cell !== null) { td.textContent = String(cell); }
      row.appendChild(td);
    });
    return row;
  }

  function ticketList(table) {
    var body = document.getElementById("ticket-rows");
    poll(function () { return table.dataset.source; }, LIST_EVERY, function (data) {
      counts(data);
      var rows = document.createDocumentFragment();
      (data.tickets || []).forEach(function (t) { rows.appendChild(ticketRow(t)); });
      if (!data.tickets || !data.tickets.length) {
        var empty = el("tr", "empty");
        var cell = el("td", "", "No ticket here.");
        cell.colSpan = 11;
        empty.appendChild(cell);
        rows.appendChild(empty);
      }
      body.replaceChildren(rows);
    });
  }

  function messageItem(m) {
    var item = el("li", "msg " + m.direction);
    item.dataset.id = m.id;
    item.appendChild(el("span", "when", m.created));
    item.appendChild(document.createTextNode(" "));
    if (m.direction === "user") { item.appendChild(el("b", "who", "User:")); }
    if (m.direction === "agent") { item.appendChild(el("b", "who", m.author + ":")); }
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "text", m.text));
    if (m.direction === "agent") {
      var state = el("span", "delivery " + m.delivery, m.delivery);
      state.dataset.id = m.id;
      item.appendChild(document.createTextNode(" "));
      item.appendChild(state);
    }
    return item;
  }

  function ticketPage(list) {
    poll(function () { return list.dataset.source + "?after=" + encodeURIComponent(list.dataset.after); },
      MESSAGES_EVERY, function (data) {
        (data.messages || []).forEach(function (m) {
          if (list.querySelector('.msg[data-id="' + Number(m.id) + '"]')) { return; }
          list.appendChild(messageItem(m));
          list.dataset.after = Math.max(Number(list.dataset.after) || 0, Number(m.id));
        });
        Object.keys(data.deliveries || {}).forEach(function (id) {
          var state = list.querySelector('.delivery[data-id="' + Number(id) + '"]');
          var value = data.deliveries[id];
          if (state && state.textContent !== value) {
            state.textContent = value;
            state.className = "delivery " + value;
          }
        });
        var status = document.getElementById("status");
        if (status && status.textContent !== data.status) {
          status.textContent = data.status;
          status.className = "status " + data.status;
        }
        setText("assigned-to", data.assigned_to);
        setText("age", data.age);
        setText("first-reply", data.first_reply);
        setText("resolution", data.resolution);
        var warning = document.getElementById("window-warning");
        if (warning) { warning.hidden = data.window_open !== false; }
        var actions = document.getElementById("actions");
        if (actions && data.status === "closed") { actions.hidden = true; }
      });
  }

  var table = document.getElementById("tickets");
  if (table && table.dataset.source) { ticketList(table); }
  var list = document.getElementById("messages");
  if (list && list.dataset.source) { ticketPage(list); }
}());
