// Search-as-you-type contact picker: shows the chosen contact, posts its id.
(function () {
  "use strict";
  function setUp(picker) {
    if (picker.dataset.ready) return;
    picker.dataset.ready = "true";
    const value = picker.querySelector(".contact-picker__value");
    const query = picker.querySelector(".contact-picker__query");
    const list = picker.querySelector(".contact-picker__results");
    let timer = null;
    let request = 0;

    let active = -1;  // the highlighted result, moved with the arrow keys

    function options() {
      return Array.from(list.querySelectorAll("li"));
    }
    function highlight(index) {
      const items = options();
      active = items.length ? (index + items.length) % items.length : -1;
      items.forEach((item, i) => {
        item.classList.toggle("active", i === active);
        item.setAttribute("aria-selected", String(i === active));
      });
      if (active >= 0) {
        query.setAttribute("aria-activedescendant", items[active].id);
        items[active].scrollIntoView({ block: "nearest" });
      } else {
        query.removeAttribute("aria-activedescendant");
      }
    }
    function close() {
      list.hidden = true;
      query.setAttribute("aria-expanded", "false");
      highlight(-1);
    }
    function choose(item) {
      value.value = item.id;
      query.value = item.label;
      close();
    }
    async function search() {
      const text = query.value.trim();
      if (text.length < 1) { close(); return; }
      const mine = ++request;
      const url = picker.dataset.searchUrl + "?q=" + encodeURIComponent(text);
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok || mine !== request) return;
      const data = await response.json();
      list.replaceChildren();
      data.results.forEach((item, index) => {
        const option = document.createElement("li");
        option.className = "list-group-item list-group-item-action";
        option.id = list.id + "_" + index;
        option.setAttribute("role", "option");
        option.textContent = item.label;
        option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
        list.appendChild(option);
      });
      list.hidden = data.results.length === 0;
      query.setAttribute("aria-expanded", String(!list.hidden));
      highlight(0);
    }
    query.addEventListener("input", () => {
      value.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    query.addEventListener("keydown", (event) => {
      const items = options();
      if (list.hidden || !items.length) {
        if (event.key === "ArrowDown" && query.value.trim()) search();
        return;
      }
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        highlight(active + (event.key === "ArrowDown" ? 1 : -1));
      } else if (event.key === "Enter") {
        event.preventDefault();
        items[Math.max(active, 0)].dispatchEvent(new MouseEvent("mousedown"));
      } else if (event.key === "Escape") {
        close();
      }
    });
    query.addEventListener("blur", () => setTimeout(close, 150));
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".contact-picker").forEach(setUp);
  });
  // Pickers htmx brings (the board's quick-create card after a swap).
  document.addEventListener("htmx:load", (event) => {
    event.detail.elt.querySelectorAll?.(".contact-picker").forEach(setUp);
  });
})();
