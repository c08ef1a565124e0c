// Dragging a card onto another stage asks the server for that move: it opens
// the update form for an allowed move or explains why the move is refused.
(function () {
  "use strict";
  let dragged = null;
  document.addEventListener("dragstart", (event) => {
    const card = event.target.closest(".board__card");
    if (!card) return;
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.moveUrl);
  });
  document.addEventListener("dragend", () => {
    dragged = null;
    document.querySelectorAll(".board__column--over").forEach((c) => c.classList.remove("board__column--over"));
  });
  document.addEventListener("dragover", (event) => {
    const column = event.target.closest(".board__column");
    if (!column || !dragged) return;
    event.preventDefault();
    column.classList.add("board__column--over");
  });
  document.addEventListener("dragleave", (event) => {
    const column = event.target.closest(".board__column");
    if (column && !column.contains(event.relatedTarget)) column.classList.remove("board__column--over");
  });
  document.addEventListener("drop", (event) => {
    const column = event.target.closest(".board__column");
    if (!column || !dragged) return;
    event.preventDefault();
    if (dragged.closest(".board__column") === column) return;
    // The URL ends in /move-to/0/; put the column's stage in its place.
    window.location.href = dragged.dataset.moveUrl.replace(/\/0\/$/, "/" + column.dataset.stage + "/");
  });
})();
