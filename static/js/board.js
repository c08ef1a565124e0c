// Dragging a card onto a column moves it there in place: one POST whose answer
// is the board again (moved, or with the dialog the move needs). While a card
// is dragged, the columns it may not move to are disabled, from the targets
// the server computed with the move rules; a drop on one says where it can go.
(function () {
  "use strict";
  let dragged = null;

  function zones() {
    return document.querySelectorAll("#board [data-drop-target]");
  }
  function allowed(zone) {
    return dragged.dataset.targets.split(" ").includes(zone.dataset.dropTarget);
  }
  function notify(text) {
    const notice = document.querySelector("#board .board__notice");
    notice.replaceChildren();
    const alert = document.createElement("div");
    alert.className = "alert alert-danger py-2 mb-2";
    alert.textContent = text;
    notice.append(alert);
  }
  function refuse(board) {
    const names = Array.from(zones()).filter(allowed).map((zone) => zone.dataset.label);
    notify(board.dataset.refused
      .replace("{number}", dragged.dataset.number)
      .replace("{targets}", names.join(", ")));
  }

  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest && event.target.closest(".board__card");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.number);
    const home = card.closest("[data-drop-target]");
    zones().forEach((zone) => {
      zone.classList.toggle("board__drop--disabled", zone !== home && !allowed(zone));
      zone.setAttribute("aria-disabled", String(zone !== home && !allowed(zone)));
    });
    document.getElementById("board").classList.add("board--dragging");
  });
  document.addEventListener("dragend", () => {
    dragged = null;
    zones().forEach((zone) => {
      zone.classList.remove("board__drop--disabled", "board__drop--over");
      zone.removeAttribute("aria-disabled");
    });
    document.getElementById("board")?.classList.remove("board--dragging");
  });
  document.addEventListener("dragover", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-target]");
    if (!zone || !dragged) return;
    // Every zone takes the drop ("none" would cancel it): a refused one explains.
    event.preventDefault();
    zone.classList.toggle("board__drop--over", allowed(zone));
  });
  document.addEventListener("dragleave", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-target]");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("board__drop--over");
  });
  document.addEventListener("drop", (event) => {
    const zone = event.target.closest && event.target.closest("[data-drop-target]");
    if (!zone || !dragged) return;
    event.preventDefault();
    const board = document.getElementById("board");
    if (dragged.closest("[data-drop-target]") === zone) return;
    if (!allowed(zone)) {
      refuse(board);
      return;
    }
    const url = board.dataset.moveUrl
      .replace("NUMBER", encodeURIComponent(dragged.dataset.number))
      .replace("TARGET", zone.dataset.dropTarget);
    htmx.ajax("POST", url, {
      source: dragged,
      target: "#board",
      swap: "outerHTML",
      values: { version: dragged.dataset.version },
    });
  });

  // A drop or dialog the server could not answer (an error, no network).
  ["htmx:responseError", "htmx:sendError"].forEach((name) => {
    document.addEventListener(name, () => {
      const board = document.getElementById("board");
      if (board) notify(board.dataset.failed);
    });
  });

  // A dialog the answer brought opens as a modal; Cancel just closes it.
  document.addEventListener("htmx:load", () => {
    const dialog = document.querySelector("#board dialog.board__dialog:not([open])");
    if (dialog) dialog.showModal();
  });
  document.addEventListener("click", (event) => {
    const cancel = event.target.closest("[data-dialog-cancel]");
    const dialog = cancel && cancel.closest("dialog[open]");
    if (dialog && document.getElementById("board")) {
      event.preventDefault();
      dialog.close();
      dialog.remove();
    }
  });
})();
