// Order list selection: row checkboxes, "select all on this page", and "select all matching".
(() => {
  function wire() {
    const form = document.getElementById("bulk-form");
    if (!form || form.dataset.wired) return;
    form.dataset.wired = "1";
    const rows = () => [...form.querySelectorAll(".row-select")];
    const pageBox = form.querySelector("#select-page");
    const allMatching = form.querySelector("#select-all-matching");
    const banner = form.querySelector("#select-all-banner");
    const count = form.querySelector("#selection-count");
    const submit = form.querySelector("#bulk-submit");

    function refresh() {
      const checked = rows().filter((box) => box.checked).length;
      const everyRow = checked > 0 && checked === rows().length;
      if (!everyRow) allMatching.value = "0";
      if (pageBox) pageBox.checked = everyRow;
      banner?.classList.toggle("d-none", !everyRow);
      form.querySelector("#select-all-button")?.classList.toggle("d-none", allMatching.value === "1");
      form.querySelector("#all-selected-note")?.classList.toggle("d-none", allMatching.value !== "1");
      if (count) count.textContent = allMatching.value === "1" ? `${form.dataset.matching} selected` : `${checked} selected`;
      if (submit) submit.disabled = checked === 0;
      // With rows chosen, the count and "Apply to selected" follow the page down (CSS: sticky).
      form.classList.toggle("has-selection", checked > 0);
    }

    pageBox?.addEventListener("change", () => {
      rows().forEach((box) => (box.checked = pageBox.checked));
      refresh();
    });
    form.addEventListener("change", (event) => {
      if (event.target.classList.contains("row-select")) refresh();
    });
    form.querySelector("#select-all-button")?.addEventListener("click", () => {
      allMatching.value = "1";
      refresh();
    });
    refresh();
  }
  // The Columns menu goes back to the list as it is now (filters applied by htmx change the address).
  document.addEventListener("submit", (event) => {
    if (event.target.id !== "columns-form") return;
    event.target.querySelector("input[name=next]").value = window.location.pathname + window.location.search;
  });
  document.addEventListener("DOMContentLoaded", wire);
  document.body.addEventListener("htmx:afterSwap", wire);
})();

// Keyboard on the order list: "/" search, "j"/"k" move through the rows, "x" select, "o" open,
// "?" lists the keys. Keys typed into a field (search, a scanner's input) stay in the field.
(() => {
  let current = -1;
  const rows = () => [...document.querySelectorAll("#order-results tbody tr")].filter((row) => row.querySelector(".row-select"));

  function show(index) {
    const all = rows();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((row, position) => {
      row.classList.toggle("row-current", position === current);
      row.setAttribute("aria-current", position === current ? "true" : "false");
    });
    all[current].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", (event) => {
    if (!document.getElementById("order-results")) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable], .modal.show")) return;
    const row = rows()[current];
    switch (event.key) {
      case "/":
        event.preventDefault();
        document.getElementById("id_q")?.focus();
        break;
      case "j":
        show(current + 1);
        break;
      case "k":
        show(current < 0 ? 0 : current - 1);
        break;
      case "x":
        if (row) {
          const box = row.querySelector(".row-select");
          box.checked = !box.checked;
          box.dispatchEvent(new Event("change", { bubbles: true }));
        }
        break;
      case "o":
        row?.querySelector("a[href]")?.click();
        break;
      case "?":
        bootstrap.Modal.getOrCreateInstance(document.getElementById("keys-help")).show();
        break;
      default:
        return;
    }
  });
  // New rows (a filter, a page): start again from the top.
  document.body.addEventListener("htmx:afterSwap", () => {
    current = -1;
  });
})();
