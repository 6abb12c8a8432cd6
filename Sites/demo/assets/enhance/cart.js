// A cart kept in localStorage. "Add to cart" forms (plain GET forms to /cart/) are handled in
// place; the header's Cart link shows the item count; the cart page lists the items and builds
// an order email. Without this module the same forms still lead to /cart/, which explains how
// to order by email or phone — and if the module runs there, it picks the item up from the URL.
// Self-contained ES module (no imports); product names and prices come from /assets/data/products.json.

const STORAGE_KEY = "lumen-cart";
const ORDER_ADDRESS = "orders@lumen-and-grain.example";
const root = document.documentElement;

function markEnhanced(name) {
  const names = new Set((root.dataset.enhanced || "").split(" ").filter(Boolean));
  names.add(name);
  root.dataset.enhanced = [...names].join(" ");
}

function load() {
  try {
    const parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) || "{}");
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch {
    return {};
  }
}

function save(cart) {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(cart));
    return true;
  } catch {
    return false;
  }
}

function clampQuantity(value) {
  const number = Math.floor(Number(value));
  return Number.isFinite(number) ? Math.min(Math.max(number, 1), 99) : 1;
}

function add(slug, quantity) {
  if (!/^[a-z0-9-]+$/.test(slug)) return false;
  const cart = load();
  cart[slug] = Math.min((cart[slug] || 0) + clampQuantity(quantity), 99);
  return save(cart);
}

function count(cart = load()) {
  return Object.values(cart).reduce((sum, quantity) => sum + quantity, 0);
}

function updateHeader() {
  const n = count();
  for (const link of document.querySelectorAll("a.cart-link")) {
    let badge = link.querySelector(".cart-count");
    if (!badge) {
      badge = document.createElement("span");
      badge.className = "cart-count";
      link.append(" ", badge);
    }
    badge.textContent = String(n);
    badge.setAttribute("aria-label", `${n} ${n === 1 ? "item" : "items"}`);
  }
}

let products = null;
async function catalogue() {
  if (!products) {
    const response = await fetch("/assets/data/products.json");
    if (!response.ok) throw new Error(`products.json: ${response.status}`);
    products = new Map((await response.json()).map((product) => [product.slug, product]));
  }
  return products;
}

function enhanceForms() {
  for (const form of document.querySelectorAll("form.add-to-cart")) {
    let status = form.querySelector(".cart-status");
    if (!status) {
      status = document.createElement("p");
      status.className = "cart-status";
      status.setAttribute("role", "status");
      form.append(status);
    }
    form.addEventListener("submit", (event) => {
      const data = new FormData(form);
      const slug = String(data.get("add") || "");
      const quantity = clampQuantity(data.get("qty"));
      // If storage is unavailable, let the plain form go to the cart page, which explains how to order.
      if (!add(slug, quantity)) return;
      event.preventDefault();
      updateHeader();
      status.textContent = "";
      status.append(`Added ${quantity} to your cart. `);
      const link = document.createElement("a");
      link.href = "/cart/";
      link.textContent = `View cart (${count()})`;
      status.append(link);
    });
  }
}

const euro = (amount) => `€${amount}`;

async function renderCartPage(view) {
  const cart = load();
  const slugs = Object.keys(cart);
  if (slugs.length === 0) {
    view.replaceChildren();
    const p = document.createElement("p");
    p.innerHTML = 'Your cart is empty. <a href="/catalog/">Browse the catalogue</a> and use “Add to cart” on any product.';
    view.append(p);
    return;
  }
  let known;
  try {
    known = await catalogue();
  } catch {
    return; // keep the plain ordering instructions
  }
  const table = document.createElement("table");
  table.className = "cart-table";
  table.innerHTML = "<caption>Items in your cart</caption><thead><tr><th scope=\"col\">Product</th><th scope=\"col\">Quantity</th><th scope=\"col\">Price</th><th scope=\"col\"><span class=\"visually-hidden\">Actions</span></th></tr></thead>";
  const body = document.createElement("tbody");
  let total = 0;
  const lines = [];
  for (const slug of slugs) {
    const product = known.get(slug);
    if (!product) continue;
    const quantity = cart[slug];
    total += product.price * quantity;
    lines.push(`${quantity} × ${product.name} (${product.code})`);
    const row = document.createElement("tr");
    const name = document.createElement("td");
    const link = document.createElement("a");
    link.href = product.url;
    link.textContent = product.name;
    name.append(link, ` (${product.code})`);
    const quantityCell = document.createElement("td");
    const input = document.createElement("input");
    input.type = "number";
    input.min = "1";
    input.max = "99";
    input.value = String(quantity);
    input.setAttribute("aria-label", `Quantity of ${product.name}`);
    input.addEventListener("change", () => {
      const next = load();
      next[slug] = clampQuantity(input.value);
      save(next);
      refresh(view);
    });
    quantityCell.append(input);
    const price = document.createElement("td");
    price.textContent = euro(product.price * quantity);
    const actions = document.createElement("td");
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "cart-remove";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${product.name}`);
    remove.addEventListener("click", () => {
      const next = load();
      delete next[slug];
      save(next);
      refresh(view);
    });
    actions.append(remove);
    row.append(name, quantityCell, price, actions);
    body.append(row);
  }
  table.append(body);
  const summary = document.createElement("p");
  summary.className = "cart-total";
  summary.textContent = `Total ${euro(total)}${total >= 150 ? ", free delivery" : " plus €12 delivery"}.`;
  const order = document.createElement("a");
  order.className = "button";
  order.href = `mailto:${ORDER_ADDRESS}?subject=${encodeURIComponent("Order")}&body=${encodeURIComponent(lines.join("\n"))}`;
  order.textContent = "Send the order by email";
  view.replaceChildren(table, summary, order);
}

function refresh(view) {
  updateHeader();
  renderCartPage(view);
}

// Arrived from a plain "Add to cart" form (its page had no cart module): take the item, then
// drop the parameters so a reload does not add it twice.
const params = new URLSearchParams(location.search);
const view = document.querySelector("[data-cart-view]");
if (view && params.has("add")) {
  add(params.get("add"), params.get("qty"));
  history.replaceState(null, "", location.pathname);
}

enhanceForms();
updateHeader();
if (view) renderCartPage(view);

window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY) return;
  updateHeader();
  if (view) renderCartPage(view);
});

markEnhanced("cart");
