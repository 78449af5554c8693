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
