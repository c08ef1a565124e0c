// Search-as-you-type contact picker: shows the chosen contact, posts its id.
(function () {
  "use strict";
  function setUp(picker) {
    const value = picker.querySelector(".contact-picker__value");
    const query = picker.querySelector(".contact-picker__query");
    const list = picker.querySelector(".contact-picker__results");
    let timer = null;
    let request = 0;

    function close() {
      list.hidden = true;
      query.setAttribute("aria-expanded", "false");
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
      for (const item of data.results) {
        const option = document.createElement("li");
        option.className = "list-group-item list-group-item-action";
        option.setAttribute("role", "option");
        option.textContent = item.label;
        option.addEventListener("mousedown", (event) => { event.preventDefault(); choose(item); });
        list.appendChild(option);
      }
      list.hidden = data.results.length === 0;
      query.setAttribute("aria-expanded", String(!list.hidden));
    }
    query.addEventListener("input", () => {
      value.value = "";
      clearTimeout(timer);
      timer = setTimeout(search, 200);
    });
    query.addEventListener("keydown", (event) => {
      const first = list.querySelector("li");
      if (event.key === "Enter" && !list.hidden && first) {
        event.preventDefault();
        first.dispatchEvent(new MouseEvent("mousedown"));
      } else if (event.key === "Escape") {
        close();
      }
    });
    query.addEventListener("blur", () => setTimeout(close, 150));
  }
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll(".contact-picker").forEach(setUp);
  });
})();
