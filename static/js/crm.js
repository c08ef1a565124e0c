// Buttons with data-confirm ask before their form is sent.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-confirm]");
  if (button && !window.confirm(button.dataset.confirm)) event.preventDefault();
});

// Selects marked data-autosubmit send their form when changed; their button
// is only there for pages without JavaScript.
document.addEventListener("change", (event) => {
  if (event.target.matches("select[data-autosubmit]")) event.target.form.requestSubmit();
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.form.querySelector("[data-autosubmit-button]")?.classList.add("d-none");
  });
});

// A filter bar is open on wide screens and folded on phones, so that the
// first rows of results show without scrolling (open without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  if (window.matchMedia("(max-width: 767.98px)").matches) {
    document.querySelectorAll("details[data-close-on-phones]").forEach((details) => {
      details.open = false;
    });
  }
});

// The stage filter offers only the chosen sales cycle's stages.
function narrowStages(cycleSelect) {
  const stageSelect = cycleSelect.form?.querySelector("select[name=stage]");
  if (!stageSelect) return;
  for (const option of stageSelect.options) {
    if (!option.dataset.cycle) continue;
    option.hidden = Boolean(cycleSelect.value) && option.dataset.cycle !== cycleSelect.value;
    if (option.hidden && option.selected) stageSelect.value = "";
  }
}
document.addEventListener("change", (event) => {
  if (event.target.matches("select[name=sales_cycle]")) narrowStages(event.target);
});
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form select[name=sales_cycle]").forEach(narrowStages);
});

// A filter form sends only the filters that have a value.
document.addEventListener("submit", (event) => {
  if (!event.target.matches("form.filter-form")) return;
  for (const field of event.target.elements) {
    if (field.name && !field.disabled && field.value === "") field.disabled = true;
  }
});
// Coming back to the page (the back button) finds the fields as they were.
window.addEventListener("pageshow", () => {
  document.querySelectorAll("form.filter-form [disabled]").forEach((field) => {
    field.disabled = false;
  });
});

// A header checkbox ticks every row's checkbox of its name on the page.
document.addEventListener("change", (event) => {
  const all = event.target.closest("[data-check-all]");
  if (!all) return;
  document.querySelectorAll(`input[type=checkbox][name="${all.dataset.checkAll}"]`).forEach((box) => {
    box.checked = all.checked;
  });
});
