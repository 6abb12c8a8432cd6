// Product page gallery: the "More views" links become thumbnails that load only when they are
// scrolled near (lazy-loading), and the product image and views open in a lightbox dialog.
// Without this module the links simply open the images.
// Self-contained ES module (no imports).

const root = document.documentElement;

function markEnhanced(name) {
  const names = new Set((root.dataset.enhanced || "").split(" ").filter(Boolean));
  names.add(name);
  root.dataset.enhanced = [...names].join(" ");
}

const main = document.querySelector(".product-image");
const viewLinks = [...document.querySelectorAll("a.view-link")];

// Lazy thumbnails: the image source is set only when the link comes near the viewport.
const observer = "IntersectionObserver" in window
  ? new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue;
        const image = entry.target;
        image.src = image.dataset.src;
        observer.unobserve(image);
      }
    }, { rootMargin: "200px" })
  : null;

for (const link of viewLinks) {
  const thumbnail = document.createElement("img");
  thumbnail.className = "view-thumbnail";
  thumbnail.width = 160;
  thumbnail.height = 120;
  thumbnail.alt = "";
  thumbnail.decoding = "async";
  thumbnail.loading = "lazy";
  thumbnail.dataset.src = link.href;
  if (observer) observer.observe(thumbnail);
  else thumbnail.src = link.href;
  link.prepend(thumbnail);
  link.classList.add("has-thumbnail");
}

// The lightbox: one <dialog>, which brings focus handling and Escape to close.
const items = [];
if (main) items.push({ src: main.currentSrc || main.src, caption: main.alt });
for (const link of viewLinks) items.push({ src: link.href, caption: link.textContent.trim() });

if (items.length > 0 && typeof HTMLDialogElement === "function") {
  const dialog = document.createElement("dialog");
  dialog.className = "lightbox";
  dialog.setAttribute("aria-label", "Enlarged image");
  dialog.innerHTML = `
    <figure>
      <img class="lightbox-image" width="480" height="360" alt="">
      <figcaption class="lightbox-caption"></figcaption>
    </figure>
    <div class="lightbox-controls">
      <button type="button" data-step="-1">Previous</button>
      <button type="button" data-step="1">Next</button>
      <button type="button" data-close>Close</button>
    </div>`;
  document.body.append(dialog);
  const image = dialog.querySelector(".lightbox-image");
  const caption = dialog.querySelector(".lightbox-caption");
  let current = 0;

  function show(index) {
    current = (index + items.length) % items.length;
    image.src = items[current].src;
    image.alt = items[current].caption;
    caption.textContent = `${items[current].caption} (${current + 1} of ${items.length})`;
  }

  function open(index) {
    show(index);
    if (!dialog.open) dialog.showModal();
  }

  dialog.addEventListener("click", (event) => {
    const target = event.target;
    if (target === dialog || target.closest("[data-close]")) dialog.close();
    const step = target.closest("[data-step]");
    if (step) show(current + Number(step.dataset.step));
  });
  dialog.addEventListener("keydown", (event) => {
    if (event.key === "ArrowRight") show(current + 1);
    if (event.key === "ArrowLeft") show(current - 1);
  });

  if (main) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "zoom-button";
    button.setAttribute("aria-label", `Enlarge: ${main.alt}`);
    main.replaceWith(button);
    button.append(main);
    button.addEventListener("click", () => open(0));
  }
  viewLinks.forEach((link, index) => {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      open(index + (main ? 1 : 0));
    });
  });
}

markEnhanced("gallery");
