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
