// The order form: choose a customer, pick products, add and remove lines. Totals come from the server.
(() => {
  const form = document.getElementById("order-form");
  if (!form) return;
  const prefix = "lines";
  const totalForms = form.querySelector(`#id_${prefix}-TOTAL_FORMS`);
  const rows = document.getElementById("line-rows");
  const template = document.getElementById("line-template");

  const changed = () => document.body.dispatchEvent(new Event("lines-changed"));

  function addLine(sku) {
    if (!template) return null;
    const index = Number(totalForms.value);
    const html = template.innerHTML.replaceAll("__prefix__", index);
    rows.insertAdjacentHTML("beforeend", html);
    totalForms.value = index + 1;
    const row = rows.lastElementChild;
    if (sku) row.querySelector(".line-sku").value = sku;
    return row;
  }

  function emptyRow() {
    return [...rows.querySelectorAll(".line-form")].find(
      (row) => !row.classList.contains("d-none") && !row.querySelector(".line-sku").value.trim(),
    );
  }

  document.getElementById("add-line")?.addEventListener("click", () => {
    addLine("")?.querySelector(".line-sku").focus();
  });

  document.addEventListener("click", (event) => {
    const product = event.target.closest(".choose-product");
    if (product) {
      const sku = product.dataset.sku;
      const existing = [...rows.querySelectorAll(".line-sku")].find((input) => input.value.trim() === sku);
      if (existing) {
        const quantity = existing.closest("tr").querySelector(".line-quantity");
        quantity.value = Number(quantity.value || 0) + 1;
      } else {
        const row = emptyRow();
        if (row) row.querySelector(".line-sku").value = sku;
        else addLine(sku);
      }
      document.getElementById("product-results").innerHTML = "";
      const search = document.getElementById("product-search");
      search.value = "";
      search.focus();
      changed();
      return;
    }
    const customer = event.target.closest(".choose-customer");
    if (customer) {
      form.querySelector("#id_customer").value = customer.dataset.customerId;
      const chosen = document.getElementById("chosen-customer");
      chosen.textContent = customer.dataset.customerLabel;
      chosen.classList.remove("d-none");
      const address = JSON.parse(customer.dataset.address || "{}");
      for (const [key, value] of Object.entries(address)) {
        const input = form.querySelector(`#id_ship_${key}`);
        if (input && !input.value) input.value = value;
      }
      document.getElementById("customer-results").innerHTML = "";
      document.getElementById("customer-search").value = "";
      document.getElementById("new-customer")?.removeAttribute("open");
    }
  });

  rows?.addEventListener("change", (event) => {
    if (event.target.classList.contains("line-delete")) {
      event.target.closest("tr").classList.toggle("d-none", event.target.checked);
      changed();
    }
  });

  // A barcode scanner types the code and Enter: pick the single match instead of submitting the form.
  document.getElementById("product-search")?.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const options = document.querySelectorAll("#product-results .choose-product");
    if (options.length === 1) options[0].click();
  });
  document.getElementById("customer-search")?.addEventListener("keydown", (event) => {
    if (event.key === "Enter") event.preventDefault();
  });
})();
