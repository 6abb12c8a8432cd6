// Theme switcher: light, dark or the system's choice, remembered in localStorage.
// Self-contained ES module (no imports): the edge injects it on every page of the site.

const STORAGE_KEY = "lumen-theme";
const root = document.documentElement;

function markEnhanced(name) {
  const names = new Set((root.dataset.enhanced || "").split(" ").filter(Boolean));
  names.add(name);
  root.dataset.enhanced = [...names].join(" ");
}

function storedChoice() {
  try {
    const value = localStorage.getItem(STORAGE_KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system"; // storage may be blocked; the system theme still applies
  }
}

function apply(choice) {
  if (choice === "light" || choice === "dark") {
    root.dataset.theme = choice;
  } else {
    delete root.dataset.theme;
  }
}

function remember(choice) {
  try {
    if (choice === "system") localStorage.removeItem(STORAGE_KEY);
    else localStorage.setItem(STORAGE_KEY, choice);
  } catch {
    // Not remembered, but still applied for this page.
  }
}

const initial = storedChoice();
apply(initial);

const header = document.querySelector(".site-header");
if (header && !document.getElementById("theme-switch")) {
  const wrapper = document.createElement("div");
  wrapper.className = "theme-switch";
  wrapper.id = "theme-switch";
  const label = document.createElement("label");
  label.htmlFor = "theme-choice";
  label.textContent = "Theme";
  const select = document.createElement("select");
  select.id = "theme-choice";
  for (const [value, text] of [["system", "System"], ["light", "Light"], ["dark", "Dark"]]) {
    select.append(new Option(text, value, false, value === initial));
  }
  select.addEventListener("change", () => {
    apply(select.value);
    remember(select.value);
  });
  wrapper.append(label, select);
  header.append(wrapper);
}

// Another tab changed the theme: follow it.
window.addEventListener("storage", (event) => {
  if (event.key !== STORAGE_KEY) return;
  const choice = storedChoice();
  apply(choice);
  const select = document.getElementById("theme-choice");
  if (select) select.value = choice;
});

markEnhanced("theme");
