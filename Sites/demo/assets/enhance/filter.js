// Instant filtering and search on catalogue pages: the plain GET search form is replaced by a
// live search box (#instant-filter) that filters the product cards as you type, by words,
// category and price order. The `q` parameter of the plain form is honoured, so a search
// submitted from another page arrives already filtered.
// Self-contained ES module (no imports).

const root = document.documentElement;

function markEnhanced(name) {
  const names = new Set((root.dataset.enhanced || "").split(" ").filter(Boolean));
  names.add(name);
  root.dataset.enhanced = [...names].join(" ");
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  node.append(...children);
  return node;
}

const cards = [...document.querySelectorAll("[data-product-list] .product-card")];
const lists = [...document.querySelectorAll("[data-product-list]")];

if (cards.length > 0 && !document.getElementById("instant-filter")) {
  // Remember the authored order so "Featured" can restore it after sorting.
  cards.forEach((card, index) => { card.dataset.order = String(index); });
  const categories = [...new Set(cards.map((card) => card.dataset.category))];

  const input = element("input", { id: "instant-filter-input", type: "search", autocomplete: "off", placeholder: "Type to filter: oak, lamp, walnut…" });
  input.value = new URLSearchParams(location.search).get("q") || "";
  const sort = element("select", { id: "instant-filter-sort" }, [
    new Option("Featured", "featured"),
    new Option("Price, low to high", "price-asc"),
    new Option("Price, high to low", "price-desc"),
  ]);
  const status = element("p", { class: "filter-status", role: "status", "aria-live": "polite" });
  const chips = categories.length > 1 ? categories.map((category) => {
    const section = document.querySelector(`[data-category-section="${category}"] h2`);
    const label = section ? section.textContent.trim() : category;
    return element("button", { type: "button", class: "filter-chip", "aria-pressed": "true", "data-category": category }, [label]);
  }) : [];

  const panel = element("div", { id: "instant-filter", class: "instant-filter", role: "search", "aria-label": "Filter products" }, [
    element("div", { class: "filter-row" }, [
      element("label", { for: "instant-filter-input" }, ["Filter products"]), input,
      element("label", { for: "instant-filter-sort" }, ["Sort"]), sort,
    ]),
    ...(chips.length > 0 ? [element("div", { class: "filter-chips", role: "group", "aria-label": "Categories" }, chips)] : []),
    status,
  ]);

  const plainForm = document.querySelector("main form.search");
  if (plainForm) plainForm.replaceWith(panel);
  else lists[0].before(panel);

  const empty = element("p", { class: "filter-empty", hidden: "" }, ["No products match. Try fewer words, or ", element("a", { href: location.pathname }, ["show everything"]), "."]);
  panel.after(empty);

  function activeCategories() {
    if (chips.length === 0) return new Set(categories);
    return new Set(chips.filter((chip) => chip.getAttribute("aria-pressed") === "true").map((chip) => chip.dataset.category));
  }

  function update() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const allowed = activeCategories();
    let shown = 0;
    for (const card of cards) {
      const text = card.dataset.search || card.textContent.toLowerCase();
      const visible = allowed.has(card.dataset.category) && words.every((word) => text.includes(word));
      card.hidden = !visible;
      if (visible) shown += 1;
    }
    for (const section of document.querySelectorAll("[data-category-section]")) {
      section.hidden = !section.querySelector(".product-card:not([hidden])");
    }
    const order = sort.value;
    for (const list of lists) {
      const items = [...list.querySelectorAll(":scope > .product-card")];
      items.sort((a, b) => {
        if (order === "price-asc") return Number(a.dataset.price) - Number(b.dataset.price);
        if (order === "price-desc") return Number(b.dataset.price) - Number(a.dataset.price);
        return Number(a.dataset.order) - Number(b.dataset.order);
      });
      list.append(...items);
    }
    status.textContent = `Showing ${shown} of ${cards.length} products`;
    empty.hidden = shown > 0;
    // Keep the address shareable: the same URL works without scripts (it shows everything).
    const url = new URL(location.href);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim());
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }

  input.addEventListener("input", update);
  sort.addEventListener("change", update);
  for (const chip of chips) {
    chip.addEventListener("click", () => {
      chip.setAttribute("aria-pressed", chip.getAttribute("aria-pressed") === "true" ? "false" : "true");
      update();
    });
  }
  update();
}

markEnhanced("filter");
